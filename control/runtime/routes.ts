// Runtime logs and metrics API: what the app's containers print, how much
// CPU, memory and network they use, and how many requests the gateway answered for it and how fast.
import { z } from 'zod';
import { AppNameParam } from '../api/params.js';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { loadApp } from '../apps/load.js';
import { defineRoute, RESPONDED, type RouteSpec } from '../api/route.js';
import { PLATFORM_REPLICA, platformLines } from './platform-log.js';
import { sleepMetrics, sleepState } from '../edge/state.js';

const Sample = z.object({
  at: z.number(),
  cpuPercent: z.number(),
  memoryBytes: z.number(),
  memoryLimitBytes: z.number(),
  networkRxBytes: z.number(),
  networkTxBytes: z.number(),
  replicas: z
    .array(z.record(z.string(), z.unknown()))
    .describe('One entry per measured replica; empty (and the figures 0) while the app sleeps'),
});
const RequestSample = z.object({
  at: z.number(),
  requests: z.number(),
  ratePerSecond: z.number(),
  status: z.object({ '2xx': z.number(), '3xx': z.number(), '4xx': z.number(), '5xx': z.number() }),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
  total: z.number(),
  gateways: z.number(),
  inflight: z.number().describe("Requests in flight at the gateways' latest reports"),
});
const MetricsAnswer = z.object({
  samples: z.array(Sample),
  requests: z.array(RequestSample),
  /** Gateway processes reporting now; 0 means request metrics cannot be shown. */
  gateways: z.number(),
  sleep: z
    .object({
      sleeping: z.boolean().describe('Asleep now; its samples then have no replicas and zero figures'),
      wokeAt: z.number().nullable().describe("When the app last woke (epoch ms), the last cold start's `at`; null before the first wake"),
      wakes: z.number().describe('Successful wakes from sleep (scale to zero) since the app was created'),
      lastColdStartMs: z.number().nullable().describe('Request in → route published awake, for the last wake'),
      averageColdStartMs: z.number().nullable().describe("Average of the recent wakes' cold starts"),
      coldStarts: z.array(z.object({ at: z.number(), ms: z.number() })).describe('The last 20 wakes, oldest first'),
    })
    .describe('Scale to zero: how often the app was woken and how long it took'),
});

export const runtimeRoutes: RouteSpec[] = [
  defineRoute({
    method: 'get',
    path: '/apps/:name/logs',
    params: z.strictObject({ name: AppNameParam }),
    tag: 'runtime',
    access: 'user',
    summary:
      "The last lines the app's containers printed, oldest first, each prefixed with its replica; then DeployFlow's own lines about the app (such as a failed wake), prefixed `deployflow`",
    query: z.object({ tail: z.coerce.number().int().min(1).max(10_000).default(100) }),
    handler: async (ctx) => {
      const app = await loadApp(ctx, 'view');
      if (!ctx.deps.deploy) throw new DeployFlowError('DF_ERR_UNAVAILABLE', 'Logs need the Docker Engine, which is not available');
      // DeployFlow's own lines about the app (a failed wake) come after what its replicas printed.
      const platform = (await platformLines(ctx.deps.store, app.name)).map((l) => `${PLATFORM_REPLICA} | ${l.line}`);
      const lines = [...(await ctx.deps.deploy.runtime.tailLogs(app.name, ctx.query.tail)), ...platform].slice(-ctx.query.tail);
      ctx.res.type('text/plain; charset=utf-8').send(lines.map((l) => `${l}\n`).join(''));
      return RESPONDED;
    },
  }),
  defineRoute({
    method: 'get',
    path: '/apps/:name/metrics',
    params: z.strictObject({ name: AppNameParam }),
    tag: 'runtime',
    access: 'user',
    response: MetricsAnswer,
    summary:
      'CPU %, memory and network samples (Docker) and request rate, status classes and latency percentiles (gateway) of the last hour, optionally only those after `since` (epoch ms), and the wakes and cold starts of scale to zero',
    query: z.object({ since: z.coerce.number().int().min(0).default(0) }),
    handler: async (ctx) => {
      const app = await loadApp(ctx, 'view');
      const requests = ctx.deps.requests;
      return {
        samples: ctx.deps.metrics?.samples(app.name, ctx.query.since) ?? [],
        requests: requests?.samples(app.name, ctx.query.since) ?? [],
        gateways: requests?.gateways ?? 0,
        sleep: sleepMetrics(await sleepState(ctx.deps.store, app.name)),
      };
    },
  }),
];
