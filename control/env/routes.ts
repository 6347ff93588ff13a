// Env vars API. PUT merges (a key set to null is removed), like `heroku config:set` and
// `dokku config:set`: a dashboard that only sees masked values can change one variable without
// wiping the others. Every key is validated before anything is written, so one bad key changes
// nothing. GET shows values in clear only to those who may reveal them.
import { z } from 'zod';
import { AppNameParam, EnvKeyParam } from '../api/params.js';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { checkEnvValue, parseEnvKey } from '../../common/names/validate.js';
import { may } from '../apps/access.js';
import { loadApp } from '../apps/load.js';
import { defineRoute, type RouteSpec } from '../api/route.js';

export const MASK = '••••••••';
const MAX_VALUE_BYTES = 64 * 1024;
const MAX_VARS = 500;

const EnvView = z.object({ vars: z.record(z.string(), z.string()), masked: z.boolean() });
const PutEnvBody = z.strictObject({
  vars: z
    .record(z.string(), z.string().max(MAX_VALUE_BYTES).nullable())
    .describe('KEY → value (any text without NUL, stored verbatim); null removes KEY'),
});
const EnvQuery = z.strictObject({ reveal: z.enum(['true', 'false']).optional() });

export const envRoutes: RouteSpec[] = [
  defineRoute({
    method: 'get',
    path: '/apps/:name/env',
    params: z.strictObject({ name: AppNameParam }),
    tag: 'env',
    access: 'user',
    query: EnvQuery,
    response: EnvView,
    summary: 'Env vars; values masked unless you may reveal them (reveal=false masks anyway)',
    handler: async (ctx) => {
      const app = await loadApp(ctx, 'view');
      const stored = await ctx.deps.store.env.get(app.name);
      const mayReveal = await may(ctx.deps.store, ctx.user, app, 'reveal');
      if (ctx.query.reveal === 'true' && !mayReveal)
        throw new DeployFlowError('DF_ERR_FORBIDDEN', 'You may not reveal env values of this app');
      if (!mayReveal || ctx.query.reveal === 'false') {
        return { vars: Object.fromEntries(Object.keys(stored).map((k) => [k, MASK])), masked: true };
      }
      return { vars: ctx.deps.envCipher.decryptAll(app.name, stored), masked: false };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/apps/:name/env',
    params: z.strictObject({ name: AppNameParam }),
    tag: 'env',
    access: 'user',
    body: PutEnvBody,
    audit: 'app.env.set',
    summary: 'Set (merge) env vars; null removes a key',
    response: z.object({ keys: z.array(z.string()) }),
    handler: async (ctx) => {
      const app = await loadApp(ctx, 'operate');
      // Validate the raw keys: the schema parser silently drops a `__proto__` key.
      for (const raw of Object.keys((ctx.req.body as { vars: object }).vars)) parseEnvKey(raw);
      const entries = Object.entries(ctx.body.vars);
      if (entries.length > MAX_VARS) throw new DeployFlowError('DF_ERR_VALIDATION', `At most ${MAX_VARS} variables per request`);
      const changes: Record<string, string | null> = {};
      for (const [key, value] of entries) {
        if (value !== null) checkEnvValue(parseEnvKey(key), value);
        else parseEnvKey(key);
        changes[key] = value === null ? null : ctx.deps.envCipher.encrypt(app.name, key, value);
      }
      ctx.audit.details = { keys: Object.keys(changes) };
      const stored = await ctx.deps.store.env.apply(app.name, changes);
      return { keys: Object.keys(stored).sort() };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/apps/:name/env/:key',
    params: z.strictObject({ name: AppNameParam, key: EnvKeyParam }),
    tag: 'env',
    access: 'user',
    audit: 'app.env.unset',
    summary: 'Remove one env var',
    handler: async (ctx) => {
      const app = await loadApp(ctx, 'operate');
      const key = parseEnvKey(ctx.params.key);
      ctx.audit.details = { keys: [key] };
      const stored = await ctx.deps.store.env.get(app.name);
      if (!Object.hasOwn(stored, key)) throw new DeployFlowError('DF_ERR_NOT_FOUND', `No env var ${key}`);
      await ctx.deps.store.env.apply(app.name, { [key]: null });
      return undefined;
    },
  }),
];
