// An operator's own edge plugin: stamps every request the app receives with a header naming the
// stamp and the gateway's time, and tells the client it was stamped. Load it on every gateway (and
// on control, so PATCH knows it) with
//   GATEWAY_PLUGINS=/absolute/path/to/request-stamp.mjs
// then enable it per app:
//   PATCH /api/v1/apps/shop {"plugins":[{"name":"request-stamp","config":{"value":"edge-1"}}]}
// A module's default export is its definition (name, validate or a zod schema) plus create(),
// which the gateway calls once per route change; the hooks it returns run per request
// (see docs/edge.md, "Custom plugins").

const HEADER = /^x-[a-z0-9-]{1,60}$/;

export default {
  name: 'request-stamp',

  /** Returns null when the config is fine, else the field and what is wrong (a 400 at PATCH). */
  validate(config) {
    if (typeof config !== 'object' || config === null) return { message: 'must be an object' };
    for (const key of Object.keys(config)) {
      if (key !== 'value' && key !== 'header') return { path: [key], message: 'unknown setting' };
    }
    if (typeof config.value !== 'string' || !/^[\w.-]{1,64}$/.test(config.value)) {
      return { path: ['value'], message: 'must be 1-64 letters, digits, dots, dashes or underscores' };
    }
    if (config.header !== undefined && (typeof config.header !== 'string' || !HEADER.test(config.header))) {
      return { path: ['header'], message: 'must be a lower-case header name starting with x-' };
    }
    return null;
  },

  create(config, services) {
    const header = config.header ?? 'x-request-stamp';
    return {
      onRequest(req) {
        req.headers.set(header, `${config.value} ${services.app} ${Date.now()}`);
      },
      onResponse(_req, res) {
        res.headers.set('x-stamped-by', config.value);
      },
    };
  },
};
