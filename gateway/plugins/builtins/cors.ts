// cors at the gateway: preflights (OPTIONS with Origin and Access-Control-Request-Method) are
// answered here; other requests from an allowed origin get the CORS headers on their answer.
import type { GatewayPlugin, PluginInstance } from '../types.js';

interface CorsConfig {
  origins: string[];
  methods?: string[];
  headers?: string[];
  exposeHeaders?: string[];
  credentials?: boolean;
  maxAgeSeconds?: number;
}

export const cors: GatewayPlugin = {
  name: 'cors',
  create(config) {
    const c = config as unknown as CorsConfig;
    const any = c.origins.includes('*');
    const allowed = new Set(c.origins.map((o) => o.toLowerCase()));
    const credentials = c.credentials === true;
    const methods = (c.methods ?? ['GET', 'HEAD', 'POST']).join(', ');
    const expose = c.exposeHeaders?.length ? c.exposeHeaders.join(', ') : undefined;
    /** The Access-Control-Allow-Origin value for `origin`, or null when it is not allowed. */
    const allowOrigin = (origin: string): string | null => {
      if (any) return credentials ? origin : '*';
      return allowed.has(origin.toLowerCase()) ? origin : null;
    };
    const self: PluginInstance = {
      onRequest(req) {
        const origin = req.headers.get('origin');
        if (origin === undefined) return undefined;
        const allow = allowOrigin(origin);
        const asked = req.headers.get('access-control-request-method');
        if (req.method === 'OPTIONS' && asked !== undefined) {
          if (allow === null)
            return {
              status: 403,
              headers: { 'content-type': 'application/json', vary: 'Origin' },
              body: '{"error":{"code":"DF_ERR_FORBIDDEN","message":"Origin not allowed"}}',
            };
          const headers: Record<string, string> = {
            'access-control-allow-origin': allow,
            'access-control-allow-methods': methods,
            'access-control-max-age': String(c.maxAgeSeconds ?? 600),
            vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
          };
          const askedHeaders = req.headers.get('access-control-request-headers');
          const allowHeaders = c.headers ? c.headers.join(', ') : askedHeaders;
          if (allowHeaders) headers['access-control-allow-headers'] = allowHeaders;
          if (credentials) headers['access-control-allow-credentials'] = 'true';
          return { status: 204, headers };
        }
        if (allow !== null) req.locals.set(self, allow);
        return undefined;
      },
      onResponse(req, res) {
        const allow = req.locals.get(self) as string | undefined;
        if (allow === undefined) return;
        res.headers.set('access-control-allow-origin', allow);
        if (credentials) res.headers.set('access-control-allow-credentials', 'true');
        if (expose) res.headers.set('access-control-expose-headers', expose);
        if (allow !== '*') res.headers.addToken('vary', 'Origin');
      },
    };
    return self;
  },
};
