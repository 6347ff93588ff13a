// Admin system page: the platform's own process (CPU and memory through pidusage) and whether
// Docker, Redis and the store answer. Each probe has a short deadline so one dead dependency
// cannot hang the page.
import pidusage from 'pidusage';
import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../api/route.js';
import type { ControlDeps } from '../server/deps.js';

const PROBE_MS = 2000;

function within<T>(p: Promise<T>): Promise<T> {
  return Promise.race([p, new Promise<T>((_r, reject) => setTimeout(() => reject(new Error('timed out')), PROBE_MS).unref())]);
}

async function dockerStatus(deps: ControlDeps): Promise<Record<string, unknown>> {
  if (!deps.docker) return { status: 'absent' };
  try {
    const v = await within(deps.docker.version());
    const containers = await within(deps.docker.listContainers({ filters: { label: ['deployflow.app'] } }));
    return { status: 'ok', version: v.Version, apiVersion: v.ApiVersion, appContainers: containers.length };
  } catch (err) {
    return { status: 'down', error: (err as Error).message };
  }
}

async function redisStatus(deps: ControlDeps): Promise<Record<string, unknown>> {
  if (!deps.redis) return { status: 'absent' };
  try {
    const started = performance.now();
    await within(deps.redis.ping());
    return { status: 'ok', latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  } catch (err) {
    return { status: 'down', error: (err as Error).message };
  }
}

const Probe = z.object({ status: z.enum(['ok', 'down', 'absent']) }).passthrough();

export const systemRoutes: RouteSpec[] = [
  defineRoute({
    method: 'get',
    path: '/system',
    tag: 'system',
    access: 'admin',
    summary: 'Platform process CPU/memory, Docker, Redis and store status (admin)',
    response: z.object({
      processes: z.array(
        z.object({ name: z.string(), pid: z.number(), cpuPercent: z.number(), memoryBytes: z.number(), uptimeSeconds: z.number() }),
      ),
      docker: Probe,
      redis: Probe,
      store: Probe.extend({ backend: z.string() }),
    }),
    handler: async (ctx) => {
      const usage = await pidusage(process.pid);
      const [docker, redis, storeOk] = await Promise.all([
        dockerStatus(ctx.deps),
        redisStatus(ctx.deps),
        within(ctx.deps.store.ping()).catch(() => false),
      ]);
      return {
        processes: [
          {
            name: 'deployflow',
            pid: process.pid,
            cpuPercent: Math.round(usage.cpu * 10) / 10,
            memoryBytes: usage.memory,
            uptimeSeconds: Math.round(process.uptime()),
          },
        ],
        docker,
        redis,
        store: { status: storeOk ? 'ok' : 'down', backend: ctx.deps.store.backend },
      };
    },
  }),
];
