// Day-two operations API: scale, restart, stop, start, and the app's status.
import { z } from 'zod';
import { AppNameParam } from '../api/params.js';
import { loadApp } from '../apps/load.js';
import { AppSettings } from '../apps/schemas.js';
import { defineRoute, type RouteSpec } from '../api/route.js';
import { opsDeps } from './deps.js';
import { startApp, scaleApp, stopApp } from './lifecycle.js';
import { assertQuota } from './quota.js';
import { restartApp } from './restart.js';
import { appStatus } from './status.js';
import { AutoscaleStatusView } from '../autoscale/status.js';

const StatusView = z.object({
  state: z.enum(['running', 'sleeping', 'stopped', 'deploying', 'failed', 'new']),
  sleep: z.object({
    sleeping: z.boolean().describe('Scaled to zero: containers stopped, the next request wakes it'),
    wokeAt: z.number().nullable(),
    wakes: z.number().describe('Successful wakes'),
    lastColdStartMs: z.number().nullable().describe('Request in → route awake, for the last wake'),
    lastWakeError: z.string().nullable().describe('Why the last wake failed (cleared by a successful one)'),
  }),
  replicas: z.array(
    z.object({
      name: z.string(),
      deploymentId: z.string(),
      state: z.string(),
      healthy: z.boolean().optional(),
      hostPort: z.number().nullable(),
    }),
  ),
  deployment: z
    .object({ id: z.string(), status: z.string(), image: z.string().nullable(), commit: z.string().nullable(), createdAt: z.number() })
    .nullable(),
  autoscale: AutoscaleStatusView,
});

export const operationRoutes: RouteSpec[] = [
  defineRoute({
    method: 'get',
    path: '/apps/:name/status',
    params: z.strictObject({ name: AppNameParam }),
    tag: 'operations',
    access: 'user',
    response: StatusView,
    summary: "The app's state, its containers (with a live health probe) and the deployment serving",
    handler: async (ctx) => appStatus(ctx.deps, await loadApp(ctx, 'view')),
  }),
  defineRoute({
    method: 'post',
    path: '/apps/:name/scale',
    params: z.strictObject({ name: AppNameParam }),
    tag: 'operations',
    access: 'user',
    audit: 'app.scale',
    response: StatusView,
    summary: 'Run exactly this many healthy replicas (0: stop serving, the gateway answers 503); within your quota',
    body: z.strictObject({ replicas: AppSettings.shape.replicas }),
    handler: async (ctx) => {
      const app = await loadApp(ctx, 'operate');
      const ops = opsDeps(ctx.deps);
      ctx.audit.details = { from: app.replicas, to: ctx.body.replicas };
      await assertQuota(ctx.deps, ctx.user, app, { replicas: ctx.body.replicas });
      await scaleApp(ops, app.name, ctx.body.replicas);
      return appStatus(ctx.deps, (await ctx.deps.store.apps.get(app.name)) ?? app);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/apps/:name/restart',
    params: z.strictObject({ name: AppNameParam }),
    tag: 'operations',
    access: 'user',
    audit: 'app.restart',
    response: StatusView,
    summary: 'Rolling restart with the same image: each replica is replaced by a healthy new one before it drains',
    handler: async (ctx) => {
      const app = await loadApp(ctx, 'operate');
      ctx.audit.details = { replaced: await restartApp(opsDeps(ctx.deps), app.name) };
      return appStatus(ctx.deps, app);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/apps/:name/stop',
    params: z.strictObject({ name: AppNameParam }),
    tag: 'operations',
    access: 'user',
    audit: 'app.stop',
    response: StatusView,
    summary: 'Stop serving (routes keep the host, with no upstreams) and stop the containers; record and image stay',
    handler: async (ctx) => {
      const app = await loadApp(ctx, 'operate');
      ctx.audit.details = { stopped: await stopApp(opsDeps(ctx.deps), app.name) };
      return appStatus(ctx.deps, app);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/apps/:name/start',
    params: z.strictObject({ name: AppNameParam }),
    tag: 'operations',
    access: 'user',
    audit: 'app.start',
    response: StatusView,
    summary: 'Start a stopped app again, health-gated, and publish it',
    handler: async (ctx) => {
      const app = await loadApp(ctx, 'operate');
      await assertQuota(ctx.deps, ctx.user, app);
      const result = await startApp(opsDeps(ctx.deps), app.name);
      ctx.audit.details = { created: result.created, upstreams: result.upstreams.length };
      return appStatus(ctx.deps, app);
    },
  }),
];
