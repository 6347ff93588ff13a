// What runs on one control instance at a time, and what every instance does to be found. With
// Redis, the instances elect a leader (common/coordination's LeaderLease); the leader alone runs
// the reconciler, the idle-sleep sweeper and the autoscaler, and another instance takes them over
// when it dies. Every instance announces its API address; the leader publishes the dashboard's
// apex route with all of them, so the gateways balance over every live control. Without Redis
// there is one instance, which leads.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { LeaderLease, Members } from '../../common/coordination/index.js';
import type { RouteInput } from '../../common/routes/index.js';
import type { ControlDeps } from '../server/deps.js';

/** A loop that runs on the leader only. */
export interface LeaderLoop {
  start(): void;
  stop(): Promise<void> | void;
}

export interface Leadership {
  /** True while this instance leads (always, without Redis). */
  isLeader(): boolean;
  /** This instance's id in the lease (null without Redis). */
  readonly id: string | null;
  /** The platform's own routes as they should be now: the apex over every live instance. */
  apexRoutes(): Promise<Array<{ host: string; route: RouteInput }>>;
  stop(): Promise<void>;
}

export const LEADER_ROLE = 'control';
const CONTROLS = 'control';

export interface LeadershipOptions {
  /** The apex route of this instance; its upstream is this instance's API. */
  apex: { host: string; route: RouteInput };
  loops: LeaderLoop[];
  leaseTtlMs?: number;
  heartbeatMs?: number;
}

export function startLeadership(deps: ControlDeps, opts: LeadershipOptions): Leadership {
  const { redis } = deps;
  const startAll = (): void => {
    for (const l of opts.loops) l.start();
  };
  const stopAll = async (): Promise<void> => {
    await Promise.all(opts.loops.map((l) => l.stop()));
  };
  if (!redis) {
    startAll();
    return { isLeader: () => true, id: null, apexRoutes: async () => [opts.apex], stop: stopAll };
  }
  const self = opts.apex.route.upstreams[0]!;
  const member = `${self.host}:${self.port}`;
  const members = new Members(redis, CONTROLS);
  const lease = new LeaderLease(
    redis,
    LEADER_ROLE,
    {
      lead: () => {
        deps.log.info({ id: lease.id }, 'this control instance leads: reconciler, idle sweeper and autoscaler run here');
        startAll();
        void beat().catch(onBeatError);
      },
      follow: async () => {
        deps.log.info({ id: lease.id }, 'this control instance no longer leads');
        await stopAll();
      },
    },
    {
      // Host and pid say which process leads (logs, tests); the random part tells restarts apart.
      id: `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
      ...(opts.leaseTtlMs ? { ttlMs: opts.leaseTtlMs } : {}),
      onError: (err) => deps.log.warn({ err }, 'leader lease: Redis did not answer'),
    },
  );

  /** Announces this instance; the leader republishes the apex route over every live instance. */
  async function beat(): Promise<void> {
    const live = await members.beat(member);
    if (lease.isLeader) await publishApex(deps, opts.apex, live);
  }
  function onBeatError(err: unknown): void {
    deps.log.warn({ err }, 'announcing this control instance failed');
  }
  const timer = setInterval(() => void beat().catch(onBeatError), opts.heartbeatMs ?? 5000);
  timer.unref();
  lease.start();
  return {
    isLeader: () => lease.isLeader,
    id: lease.id,
    apexRoutes: async () => [apexOver(opts.apex, await members.live())],
    async stop() {
      clearInterval(timer);
      await lease.stop();
      await members.leave(member).catch(() => undefined);
    },
  };
}

type ApexRoute = { host: string; route: RouteInput };

/** The apex route over `live` instances (`host:port`, sorted: the same set always makes the same body). */
function apexOver(apex: ApexRoute, live: string[]): ApexRoute {
  const upstreams = [...live].sort().map((m) => {
    const i = m.lastIndexOf(':');
    return { host: m.slice(0, i), port: Number(m.slice(i + 1)) };
  });
  return { host: apex.host, route: { ...apex.route, upstreams: upstreams.length > 0 ? upstreams : apex.route.upstreams } };
}

async function publishApex(deps: ControlDeps, apex: ApexRoute, live: string[]): Promise<void> {
  const { host, route } = apexOver(apex, live);
  // Unchanged routes cost nothing: the publisher bumps no version for an identical body.
  await deps.routes?.setRoute(host, route);
}

/** At start: this instance joins the live ones and the apex route lists them all (without Redis there is no route table). */
export async function joinApexRoute(deps: ControlDeps, apex: ApexRoute): Promise<void> {
  if (!deps.redis || !deps.routes) return;
  const self = apex.route.upstreams[0]!;
  await publishApex(deps, apex, await new Members(deps.redis, CONTROLS).beat(`${self.host}:${self.port}`));
}
