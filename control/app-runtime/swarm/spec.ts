// What the swarm runtime asks of Swarm, as data (pure): the service spec of a validated release.
// Each app is one replicated service: host-mode published ports (the routing mesh is not used;
// the gateway reaches each task on its node's address), a HEALTHCHECK DeployFlow defines from
// the app's health path, start-first rolling updates that roll back on the first failure, the
// same limits and hardening as the docker runtime where Swarm has them.
import type Docker from 'dockerode';
import { LABEL_APP, LABEL_DEPLOYMENT, LABEL_PORT, LABEL_VOLUME, type ValidRelease } from '../../../builder/index.js';

export const LABEL_RUNTIME = 'deployflow.runtime';
/** The overlay network every app's service joins (its replicas reach each other by app name). */
export const SWARM_NETWORK = 'deployflow-apps';

export function serviceName(app: string): string {
  return `deployflow-${app}`;
}

export interface ServiceOptions {
  /** Placement constraints, e.g. `node.id==…` when images or volumes are on one node only. */
  constraints: string[];
  /** How long a new task may take to pass its first health check. */
  healthTimeoutMs: number;
  /** How long Swarm watches each updated task for a failure before it counts as done. */
  monitorMs: number;
  stopGraceSeconds: number;
  /** Bumped to make Swarm replace every task with the same spec (a rolling restart). */
  forceUpdate?: number;
}

const SECOND_NS = 1_000_000_000;

/**
 * The probe the container runs on itself, with whichever client the image has — the cheapest
 * first: it runs every second in every task, and a Node.js probe costs a whole runtime start
 * (~70 ms of CPU, close to a second of wall time on a busy machine, where the 3 s timeout then
 * fails healthy tasks) against ~1 ms for busybox wget. The path comes from the environment,
 * never spliced into the script, so no health path can change what the shell runs.
 */
export const HEALTH_SCRIPT = [
  // The probe asks the task itself: never through a proxy the app's environment names.
  'unset http_proxy HTTP_PROXY',
  'u="http://127.0.0.1:${PORT}${DEPLOYFLOW_HEALTH_PATH}"',
  // No -T: a static busybox wget crashes with it; Docker's health timeout bounds the wait instead.
  'if command -v wget >/dev/null 2>&1; then exec wget -q -O /dev/null "$u"; fi',
  'if command -v curl >/dev/null 2>&1; then exec curl -fsS -m 2 -o /dev/null "$u"; fi',
  "if command -v node >/dev/null 2>&1; then exec node -e \"require('http').get(process.argv[1],{timeout:2000}," +
    '(r)=>process.exit(r.statusCode<400?0:1)).on(\'error\',()=>process.exit(1))" "$u"; fi',
  'exec python3 -c "import sys,urllib.request;urllib.request.urlopen(sys.argv[1],timeout=2)" "$u"',
].join('; ');

export function healthcheck(r: ValidRelease, o: Pick<ServiceOptions, 'healthTimeoutMs'>): Record<string, unknown> {
  // A TCP-only check has nothing to ask over HTTP: Swarm then counts a started task as running.
  if (!('path' in r.healthcheck)) return { Test: ['NONE'] };
  return {
    Test: ['CMD-SHELL', HEALTH_SCRIPT],
    Interval: SECOND_NS,
    Timeout: 3 * SECOND_NS,
    Retries: 3,
    // Failures while the app starts do not count; the first success ends this period early.
    StartPeriod: Math.max(1, Math.round(o.healthTimeoutMs / 1000)) * SECOND_NS,
  };
}

export function serviceLabels(r: ValidRelease): Record<string, string> {
  return { ...(r.labels ?? {}), [LABEL_APP]: r.app, [LABEL_DEPLOYMENT]: r.deploymentId, [LABEL_RUNTIME]: 'swarm' };
}

export function serviceSpec(r: ValidRelease, o: ServiceOptions): Docker.ServiceSpec {
  const env = Object.entries(r.env)
    .map(([k, v]) => `${k}=${v}`)
    .concat(`PORT=${r.port}`);
  if ('path' in r.healthcheck) env.push(`DEPLOYFLOW_HEALTH_PATH=${r.healthcheck.path}`);
  const bytes = r.limits.memoryMb * 1024 * 1024;
  const nano = Math.round(r.limits.cpus * 1e9);
  const update = {
    Parallelism: 1,
    Delay: 0,
    FailureAction: 'rollback',
    Monitor: o.monitorMs * 1_000_000,
    MaxFailureRatio: 0,
    Order: 'start-first',
  };
  return {
    Name: serviceName(r.app),
    Labels: serviceLabels(r),
    TaskTemplate: {
      ContainerSpec: {
        Image: r.image,
        Env: env,
        Labels: { ...serviceLabels(r), [LABEL_PORT]: String(r.port) },
        Init: true,
        CapabilityDrop: ['ALL'],
        CapabilityAdd: r.capAdd,
        Mounts: r.volumes.map((v) => ({
          Type: 'volume' as const,
          Source: v.volume,
          Target: v.path,
          VolumeOptions: { Labels: { ...(r.labels ?? {}), [LABEL_APP]: r.app, [LABEL_VOLUME]: v.name } },
        })),
        StopGracePeriod: o.stopGraceSeconds * SECOND_NS,
        Healthcheck: healthcheck(r, o),
      },
      Resources: {
        Limits: { NanoCPUs: nano, MemoryBytes: bytes, Pids: r.pidsLimit },
        // A replica is placed only where a quarter of its limits is free: enough to refuse a full
        // node, loose enough that a start-first update (old and new side by side) still fits.
        Reservations: { NanoCPUs: Math.round(nano / 4), MemoryBytes: Math.round(bytes / 4) },
      },
      RestartPolicy: { Condition: 'any', Delay: SECOND_NS, MaxAttempts: 0 },
      Placement: { Constraints: o.constraints },
      Networks: [{ Target: SWARM_NETWORK, Aliases: [r.app] }],
      LogDriver: { Name: 'json-file', Options: { 'max-size': '10m', 'max-file': '3' } },
      ForceUpdate: o.forceUpdate ?? 0,
    },
    Mode: { Replicated: { Replicas: r.replicas } },
    UpdateConfig: update,
    RollbackConfig: { ...update, FailureAction: 'pause' },
    // dnsrr: no virtual IP (and no IPVS); host mode: each task's port on its own node, no mesh.
    EndpointSpec: { Mode: 'dnsrr', Ports: [{ Protocol: 'tcp', TargetPort: r.port, PublishMode: 'host' }] },
  } as unknown as Docker.ServiceSpec;
}

export function networkSpec(): Docker.NetworkCreateOptions {
  return { Name: SWARM_NETWORK, Driver: 'overlay', CheckDuplicate: true, Attachable: false, Labels: { 'deployflow.managed': 'true' } };
}
