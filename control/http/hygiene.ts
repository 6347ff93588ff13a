// Request hygiene shared by every API route: security headers, no caching of API answers,
// JSON only, a body limit, and no credentials in URLs (they end up in proxy and access logs).
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import { DeployFlowError } from '../../common/errors/catalogue.js';

export const JSON_BODY_LIMIT = '1mb';

/** Query parameters that look like credentials; a request carrying one is refused outright. */
const CREDENTIAL_PARAMS = /^(access_?token|refresh_?token|token|api_?key|apikey|jwt|auth|authorization|password|secret)$/i;

const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'", 'ws:', 'wss:'],
  frameAncestors: ["'none'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
};

// Over https: HSTS (for the apex only: the apps under it decide their own scheme) and
// upgrade-insecure-requests.
const overHttps = helmet({
  contentSecurityPolicy: { directives: CSP_DIRECTIVES },
  strictTransportSecurity: { maxAge: 180 * 24 * 3600, includeSubDomains: false },
  crossOriginEmbedderPolicy: false,
});

// Over plain http (the default `http://<domain>` a fresh install prints, with no certificate the
// browser trusts yet): neither. upgrade-insecure-requests would make the browser fetch the
// dashboard's own scripts over https and show a blank page; HSTS over http is ignored anyway.
const overHttp = helmet({
  contentSecurityPolicy: { directives: { ...CSP_DIRECTIVES, upgradeInsecureRequests: null } },
  strictTransportSecurity: false,
  crossOriginEmbedderPolicy: false,
});

/** Security headers, by the scheme the client used (req.secure: the gateway's X-Forwarded-Proto, trusted from loopback). */
export const securityHeaders: RequestHandler = (req, res, next) => (req.secure ? overHttps : overHttp)(req, res, next);

export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};

export const refuseTokensInUrl: RequestHandler = (req, _res, next) => {
  const keys = Object.keys(req.query as Record<string, unknown>);
  if (keys.some((k) => CREDENTIAL_PARAMS.test(k))) {
    next(new DeployFlowError('DF_ERR_TOKEN_IN_URL'));
    return;
  }
  next();
};

/** A request that has a body must say it is JSON; otherwise it would silently parse as nothing. */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is('application/json')) {
    next(new DeployFlowError('DF_ERR_UNSUPPORTED_MEDIA'));
    return;
  }
  next();
};

export const jsonBody: RequestHandler = express.json({ limit: JSON_BODY_LIMIT, strict: true });
