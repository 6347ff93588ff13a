// The one place errors become HTTP responses: DeployFlowError maps through the catalogue;
// body-parser's own errors map to their DF_ERR_* codes; anything else is a 500 whose details
// go to the log, never to the client.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { DeployFlowError, errorBody, isDeployFlowError } from '../../common/errors/catalogue.js';
import type { Logger } from '../../common/log/logger.js';

export function toDeployFlowError(err: unknown): DeployFlowError {
  if (isDeployFlowError(err)) return err;
  const type = (err as { type?: string } | null)?.type;
  if (type === 'entity.too.large') return new DeployFlowError('DF_ERR_PAYLOAD_TOO_LARGE');
  if (type === 'entity.parse.failed') return new DeployFlowError('DF_ERR_BAD_JSON');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return new DeployFlowError('DF_ERR_UNSUPPORTED_MEDIA');
  // express decoding a path parameter like `%` or `%ff`: the client's mistake, not ours (and not
  // worth an error-level log line each, which anyone could otherwise produce at will).
  if (err instanceof URIError) return new DeployFlowError('DF_ERR_VALIDATION', 'The URL has a malformed percent-escape');
  return new DeployFlowError('DF_ERR_INTERNAL');
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const mapped = toDeployFlowError(err);
    if (mapped.status >= 500) log.error({ err, method: req.method, path: req.path }, 'request failed');
    if (res.headersSent) {
      res.end();
      return;
    }
    const retryAfter = mapped.details?.retryAfterSeconds;
    if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
    res.status(mapped.status).json(errorBody(mapped));
  };
}

export const notFoundHandler: RequestHandler = (_req, res) => {
  res.status(404).json(errorBody(new DeployFlowError('DF_ERR_NOT_FOUND')));
};
