// Serves the built dashboard (web/dist) with a single-page-app fallback: any GET that is not the
// API, Socket.IO or /health and asks for HTML gets index.html, so deep links such as /apps/shop
// work after a reload. Hashed assets are cached for a year; index.html never is, so a new
// release is picked up at the next load.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';

// Compiled, this module runs from dist/control/dashboard/ (make build): one folder deeper.
export const DIST_DIR = fileURLToPath(new URL(import.meta.url.endsWith('.js') ? '../../../web/dist' : '../../web/dist', import.meta.url));
const NOT_SPA = /^\/(api|socket\.io|health)(\/|$)/;

export function dashboardRouter(dist: string = DIST_DIR): Router {
  const router = express.Router();
  router.use('/assets', express.static(path.join(dist, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: true }));
  router.use(express.static(dist, { index: false, maxAge: 0 }));
  router.use((req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || NOT_SPA.test(req.path) || !req.accepts('html')) return next();
    const index = path.join(dist, 'index.html');
    if (!fs.existsSync(index)) {
      res.status(503).type('text/plain').send('The dashboard is not built yet: run `make web` (make up and make test do it).\n');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
