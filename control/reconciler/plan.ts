// What the reconciler (and scale/start) should do to one app's containers, decided purely from
// the desired state (store) and what Docker shows, so every rule is unit-tested without Docker.
export interface Observed {
  id: string;
  name: string;
  deploymentId: string;
  replica: number;
  running: boolean;
  /** Passed its health check just now (only asked of running containers of the deployment). */
  healthy: boolean;
  hostPort: number | undefined;
}

export interface Desired {
  /** The running deployment; null: nothing should run. */
  deploymentId: string | null;
  replicas: number;
  stopped: boolean;
}

export interface AppPlan {
  /** Containers of other deployments, and exited ones of this deployment (unless stopped). */
  remove: Observed[];
  /** Running containers of a stopped app. */
  stop: Observed[];
  /** Running containers of the deployment that stay (healthy first, then by replica number). */
  keep: Observed[];
  /** Running containers beyond `replicas`: unpublished first, then drained and removed. */
  retire: Observed[];
  /** How many new replicas to start (health-gated). */
  create: number;
  /** Ports to publish from the containers that stay (new replicas are added by the caller). */
  upstreamPorts: number[];
}

export function planApp(desired: Desired, observed: Observed[]): AppPlan {
  const plan: AppPlan = { remove: [], stop: [], keep: [], retire: [], create: 0, upstreamPorts: [] };
  const mine: Observed[] = [];
  for (const c of observed) {
    if (c.deploymentId !== desired.deploymentId) plan.remove.push(c);
    else if (desired.stopped) {
      if (c.running) plan.stop.push(c);
    } else if (!c.running) plan.remove.push(c);
    else mine.push(c);
  }
  if (desired.stopped || desired.deploymentId === null) return plan;
  // Healthy replicas are the ones worth keeping when there are too many.
  mine.sort((a, b) => Number(b.healthy) - Number(a.healthy) || a.replica - b.replica);
  plan.keep = mine.slice(0, desired.replicas);
  plan.retire = mine.slice(desired.replicas);
  plan.create = Math.max(0, desired.replicas - plan.keep.length);
  plan.upstreamPorts = plan.keep
    .filter((c) => c.healthy && c.hostPort)
    .map((c) => c.hostPort!)
    .sort((a, b) => a - b);
  return plan;
}

/** True when `plan` changes nothing in Docker (publishing is compared separately). */
export function isNoop(plan: AppPlan): boolean {
  return plan.remove.length === 0 && plan.stop.length === 0 && plan.retire.length === 0 && plan.create === 0;
}

/** Apps that have containers of this platform instance but no record any more. */
export function orphanApps(known: ReadonlySet<string>, containerApps: Iterable<string>): string[] {
  return [...new Set(containerApps)].filter((app) => !known.has(app)).sort();
}

export interface UpstreamLike {
  host: string;
  port: number;
}

/** Order-insensitive comparison: the route table is republished only when the set differs. */
export function sameUpstreams(a: readonly UpstreamLike[], b: readonly UpstreamLike[]): boolean {
  const key = (u: UpstreamLike): string => `${u.host}:${u.port}`;
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.length === right.length && left.every((k, i) => k === right[i]);
}
