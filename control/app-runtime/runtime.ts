// The runtime seam: everything DeployFlow asks of whatever runs an app's replicas. The deploy
// pipeline, day-two operations, the reconciler, scale to zero, logs and metrics call only this;
// `docker` (docker.ts: one engine's containers, the default) and `swarm` (swarm/: one Swarm
// service per app) answer it. select.ts picks one from DEPLOYFLOW_RUNTIME at start.
// The runtime takes what operations hold (OpsDeps), which holds the deploy engine, which holds the
// runtime: those types live together here, so the seam is one file and no import circle.
import type Docker from 'dockerode';
import type { AppContainer, LiveRelease, ReleaseDeps, ReleaseSpec, Upstream } from '../../builder/index.js';
import type { Config } from '../../common/config/config.js';
import type { Logger } from '../../common/log/logger.js';
import type { RoutePublisher } from '../../common/routes/index.js';
import type { EnvCipher } from '../env/cipher.js';
import type { Desired } from '../reconciler/plan.js';
import type { App, Deployment, Store } from '../store/types.js';
import type { DockerStats } from '../runtime/stats.js';

export type RuntimeKind = 'docker' | 'swarm';

/** The deployment that serves, with the image it runs. */
export type RunningDeployment = Deployment & { image: string };

/** One replica as the status API, logs and the reconciler see it, whichever runtime runs it. */
export type Replica = AppContainer;

/** One line of an app's output, as the log follower emits it. */
export interface ReplicaLogLine {
  replica: string;
  line: string;
  stream: 'stdout' | 'stderr';
}

/** One running replica's raw Docker stats, for the metrics sampler. */
export interface ReplicaStats {
  app: string;
  replica: string;
  stats: DockerStats;
}

export interface RemoveOptions {
  removeVolumes?: boolean;
}

/** What operations ask of the deploy engine (control/deploy/engine.ts): per-app jobs, route switches, the runtime. */
export interface OpsEngine {
  readonly runtime: AppRuntime;
  /** Labels every replica of this platform carries. */
  readonly labels: Record<string, string>;
  /** Runs `fn` as the app's one job at a time (with Redis: across instances too). */
  runExclusive<T>(app: string, fn: () => Promise<T>): Promise<T>;
  publish(app: App, upstreams: Upstream[], write: (line: string) => void): Promise<void>;
  /** Replicas draining after a release (on any instance): not the convergence's to touch. */
  drainingIds(app: string): Promise<Set<string>>;
  /** A deploy or job of the app runs or waits in this process. */
  busy(app: string): boolean;
  /** Deployments of the app in progress on other instances (null without Redis). */
  inProgressElsewhere(app: string): Promise<Set<string> | null>;
}

/** What day-two operations need, narrowed from ControlDeps (control/operations/deps.ts builds it). */
export interface OpsDeps {
  config: Config;
  store: Store;
  docker: Docker;
  deploy: OpsEngine;
  routes: RoutePublisher | null;
  envCipher: EnvCipher;
  log: Logger;
}

export interface ConvergeTarget extends Desired {
  image: string | null;
}

export interface ConvergeOptions {
  /** How long a running replica may take to answer its health check (short for the reconciler). */
  healthWaitMs: number;
  write: (line: string) => void;
}

export interface ConvergeResult {
  upstreams: Upstream[];
  published: boolean;
  removed: string[];
  stopped: string[];
  created: string[];
  retired: string[];
}

export interface AppRuntime {
  readonly kind: RuntimeKind;
  /**
   * Health-gated release up to the route switch: resolves once `spec` serves (published through
   * `deps.publish`, `deps.onLive` called); throws with the old version still serving otherwise.
   */
  goLive(deps: ReleaseDeps, spec: ReleaseSpec): Promise<LiveRelease>;
  /** Drains and removes what `goLive` left serving beside the new version. */
  retire(deps: ReleaseDeps, old: LiveRelease['old']): Promise<void>;
  /**
   * Makes the app match `target` (that many healthy replicas of the deployment, or stopped) and
   * publishes the healthy ones when the route table would change: reconciler and scale.
   */
  converge(ops: OpsDeps, app: App, target: ConvergeTarget, opts: ConvergeOptions): Promise<ConvergeResult>;
  /** Starts a stopped app again (health-gated) and publishes it. */
  start(ops: OpsDeps, app: App, running: RunningDeployment): Promise<ConvergeResult>;
  /** Rolling restart with the same image, never below the serving capacity; names of replaced replicas. */
  restart(ops: OpsDeps, app: App, running: RunningDeployment): Promise<string[]>;
  /** Stops every replica (they stay stopped across restarts of the engine); names of those stopped. */
  stop(app: string, graceSeconds?: number): Promise<string[]>;
  /** Brings a sleeping app's replicas up, health-gated, without publishing; the healthy upstreams. */
  wake(ops: OpsDeps, app: App, running: RunningDeployment): Promise<Upstream[]>;
  /** The app's replicas (running or not), by replica number. */
  replicas(app: string): Promise<Replica[]>;
  /** The last `tail` lines across replicas in time order, each `replica | line`. */
  tailLogs(app: string, tail: number): Promise<string[]>;
  /** Calls `onLine` for every new line of the app's output until the returned function is called. */
  followLogs(app: string, onLine: (l: ReplicaLogLine) => void, pollMs: number): () => void;
  /** Stats of every running replica carrying `labels`. */
  stats(labels: Record<string, string>): Promise<ReplicaStats[]>;
  /** Removes everything of the app: replicas, images, volumes when asked. */
  remove(app: string, opts?: RemoveOptions): Promise<void>;
  /** Apps with replicas labelled for this platform instance, for the reconciler's orphan sweep. */
  instanceApps(instance: string): Promise<string[]>;
  /** Removes one orphan app's replicas of this instance; the names removed. */
  removeInstanceApp(instance: string, app: string): Promise<string[]>;
}
