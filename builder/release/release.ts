// The health-gated release: new replicas start beside the old ones, must all pass their health
// check, and only then are published (the new version is live); the old containers drain for a
// grace period and go. Any failure before publishing leaves the old version exactly as it was.
// `goLive` is the part up to the switch; the deploy engine runs it in the app's turn and lets the
// drain (`retire`) go on in the background, so the next release need not wait for it.
import type Docker from 'dockerode';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { step, systemClock, type Clock, type LogSink } from '../deps.js';
import { DEFAULT_NETWORK, containerName } from '../docker/names.js';
import { DockerRunner } from '../docker/runner.js';
import { validateRelease, type ReleaseSpec } from '../docker/specs.js';
import { freeReplicaNumbers, prepareInfra, startHealthy, type Started } from './replicas.js';

/** Where the gateway reaches a replica: 127.0.0.1 for this engine's containers, a node's address on Swarm. */
export interface Upstream {
  host: string;
  port: number;
}

export interface ReleaseDeps {
  docker: Docker;
  log: LogSink;
  /** Switches the route table to these upstreams; called only once all replicas are healthy. */
  publish(upstreams: Upstream[]): Promise<void>;
  /**
   * Called once the new version serves (published), before the old containers drain: whoever
   * waits for the deploy (a git push) need not wait for the drain too.
   */
  onLive?(upstreams: Upstream[]): Promise<void>;
  clock?: Clock;
  network?: string;
  healthTimeoutMs?: number;
  /** How long old containers keep serving after the switch (in-flight requests finish). */
  drainMs?: number;
  /** SIGTERM → SIGKILL grace when stopping old containers. */
  stopGraceSeconds?: number;
  /** Containers already draining (an earlier release retires them): not counted as this release's old set. */
  retiring?: ReadonlySet<string>;
}

export interface ReleaseResult {
  containers: Started[];
  upstreams: Upstream[];
  /** Names of the old containers that were stopped and removed. */
  retired: string[];
}

export function upstreamsOf(started: Array<{ hostPort: number }>): Upstream[] {
  return started.map((s) => ({ host: '127.0.0.1', port: s.hostPort }));
}

export function replicaDeps(deps: ReleaseDeps): {
  runner: DockerRunner;
  clock: Clock;
  log: LogSink;
  network: string;
  healthTimeoutMs: number;
} {
  return {
    runner: new DockerRunner(deps.docker),
    clock: deps.clock ?? systemClock,
    log: deps.log,
    network: deps.network ?? DEFAULT_NETWORK,
    healthTimeoutMs: deps.healthTimeoutMs ?? 60_000,
  };
}

export async function retire(deps: ReleaseDeps, runner: DockerRunner, old: Array<{ id: string; name: string }>): Promise<void> {
  if (old.length === 0) return;
  const drainMs = deps.drainMs ?? 5_000;
  step(deps.log, `Draining ${old.length} old container${old.length === 1 ? '' : 's'} for ${(drainMs / 1000).toFixed(1)}s`);
  await (deps.clock ?? systemClock).sleep(drainMs);
  step(deps.log, `Stopping ${old.map((o) => o.name).join(', ')}`);
  await Promise.all(
    old.map(async (o) => {
      await runner.stop(o.id, deps.stopGraceSeconds ?? 10);
      await runner.remove(o.id);
    }),
  );
}

export interface LiveRelease {
  containers: Started[];
  upstreams: Upstream[];
  /** The containers serving before the switch, still running: drain them with `retire`. */
  old: Array<{ id: string; name: string }>;
}

/** Everything up to the route switch: start, health-gate, publish, `onLive`. The old set is left running. */
export async function goLive(deps: ReleaseDeps, spec: ReleaseSpec): Promise<LiveRelease> {
  const r = validateRelease(spec);
  const forReplicas = replicaDeps(deps);
  step(
    deps.log,
    `Releasing ${r.image} as ${r.app} (${r.replicas} replica${r.replicas === 1 ? '' : 's'}, ${r.limits.memoryMb} MB, ${r.limits.cpus} CPU)`,
  );
  step(
    deps.log,
    `Preparing network ${forReplicas.network}${r.volumes.length ? ` and volumes ${r.volumes.map((v) => v.volume).join(', ')}` : ''}`,
  );
  await prepareInfra(forReplicas, r);

  // The old set is fixed before anything new starts, so a retry of the same deployment
  // retires its own earlier containers too.
  const listed = (await forReplicas.runner.list(r.app)).map((c) => ({ id: c.Id, name: (c.Names[0] ?? c.Id).replace(/^\//, '') }));
  const old = listed.filter((c) => !deps.retiring?.has(c.id));
  const numbers = freeReplicaNumbers(new Set(listed.map((o) => o.name)), (n) => containerName(r.app, r.deploymentId, n), r.replicas);
  step(deps.log, `Starting ${numbers.map((n) => containerName(r.app, r.deploymentId, n)).join(', ') || 'no containers'}`);
  const started = await startHealthy(forReplicas, r, numbers);

  const upstreams = upstreamsOf(started);
  step(
    deps.log,
    `Publishing ${upstreams.length} upstream${upstreams.length === 1 ? '' : 's'}: ${upstreams.map((u) => `${u.host}:${u.port}`).join(', ')}`,
  );
  try {
    await deps.publish(upstreams);
  } catch (err) {
    // The route table did not switch, so the old version is still the one serving.
    await Promise.allSettled(started.map((s) => forReplicas.runner.remove(s.id)));
    throw new DeployFlowError(
      'DF_ERR_RELEASE_FAILED',
      `Publishing the new upstreams failed: ${err instanceof Error ? err.message : String(err)}`,
    );
  }

  await deps.onLive?.(upstreams);
  return { containers: started, upstreams, old };
}

export async function release(deps: ReleaseDeps, spec: ReleaseSpec): Promise<ReleaseResult> {
  const live = await goLive(deps, spec);
  await retire(deps, replicaDeps(deps).runner, live.old);
  step(deps.log, `Released ${spec.app}: ${live.containers.map((s) => s.name).join(', ')}`);
  return { containers: live.containers, upstreams: live.upstreams, retired: live.old.map((o) => o.name) };
}
