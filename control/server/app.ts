// Composes control's HTTP surface: hygiene first, then /health, the OpenAPI document, the
// declared API routes, and the one error handler.
import express, { type Express, type Router } from 'express';
import { mountRoutes } from '../api/mount.js';
import type { RouteSpec } from '../api/route.js';
import { dashboardRouter } from '../dashboard/static.js';
import { health } from '../health/check.js';
import { errorHandler, notFoundHandler } from '../http/errors.js';
import { jsonBody, noStore, refuseTokensInUrl, requireJsonBody, securityHeaders } from '../http/hygiene.js';
import { openApiDocument } from '../openapi/document.js';
import type { ControlDeps } from './deps.js';
import { API_PREFIX, apiRoutes } from './routes.js';

export interface ControlAppOptions {
  /** Routers that need raw bodies or browser redirects (webhooks, OAuth), mounted before JSON parsing. */
  rawRouters?: Router[];
  extraRoutes?: RouteSpec[];
}

export function createControlApp(deps: ControlDeps, options: ControlAppOptions = {}): Express {
  const routes = [...apiRoutes, ...(options.extraRoutes ?? [])];
  const app = express();
  app.disable('x-powered-by');
  // The gateway in front of control runs on loopback: trust its X-Forwarded-For, nobody else's.
  app.set('trust proxy', 'loopback');
  app.use(securityHeaders);

  app.get('/health', async (_req, res) => {
    const { httpStatus, body } = await health(deps);
    res.status(httpStatus).json(body);
  });

  const api = express.Router();
  api.use(noStore, refuseTokensInUrl);
  for (const router of options.rawRouters ?? []) api.use(router);
  api.use(requireJsonBody, jsonBody);
  api.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument(routes, API_PREFIX));
  });
  mountRoutes(api, deps, routes);
  api.use(notFoundHandler);
  app.use(API_PREFIX, api);

  app.use(dashboardRouter());
  app.use(notFoundHandler);
  app.use(errorHandler(deps.log));
  return app;
}
