// Day-two operations on an app's containers, all found by label (never by name guessing):
// listing for the reconciler, scale, stop/start, and removal with image retention.
import type Docker from 'dockerode';
import { parseAppName } from '../../common/names/validate.js';
import { step } from '../deps.js';
import { LABEL_APP, LABEL_DEPLOYMENT, LABEL_PORT, LABEL_REPLICA, containerName, imageRepo } from '../docker/names.js';
import { DockerRunner } from '../docker/runner.js';
import { validateRelease, type HealthCheck, type ReleaseSpec } from '../docker/specs.js';
import { waitHealthy } from './health.js';
import { replicaDeps, retire, upstreamsOf, type ReleaseDeps, type Upstream } from './release.js';
import { freeReplicaNumbers, prepareInfra, startHealthy } from './replicas.js';

export interface AppContainer {
  id: string;
  name: string;
  deploymentId: string;
  replica: number;
  image: string;
  state: string;
  running: boolean;
  /** The 127.0.0.1 port the app port is published on, when running. */
  hostPort: number | undefined;
  /** Where `hostPort` is published when not on 127.0.0.1 (a Swarm node's address). */
  host?: string;
  created: number;
}

export async function listAppContainers(docker: Docker, app: string): Promise<AppContainer[]> {
  const list = await new DockerRunner(docker).list(app);
  return list.map((c) => {
    const port = Number(c.Labels[LABEL_PORT]);
    const binding = c.Ports.find((p) => p.PrivatePort === port && p.IP === '127.0.0.1' && p.PublicPort);
    return {
      id: c.Id, name: (c.Names[0] ?? '').replace(/^\//, ''), deploymentId: c.Labels[LABEL_DEPLOYMENT] ?? '',
      replica: Number(c.Labels[LABEL_REPLICA] ?? 0), image: c.Image, state: c.State, running: c.State === 'running',
      hostPort: binding?.PublicPort, created: c.Created,
    };
  }).sort((a, b) => a.replica - b.replica);
}

/**
 * Makes the app run exactly `spec.replicas` healthy containers of `spec.deploymentId`: new ones
 * are health-gated before they are published; surplus ones are unpublished first, then drained.
 */
export async function scale(deps: ReleaseDeps, spec: ReleaseSpec): Promise<Upstream[]> {
  const r = validateRelease(spec);
  const d = replicaDeps(deps);
  const all = await listAppContainers(deps.docker, r.app);
  const current = all.filter((c) => c.deploymentId === r.deploymentId && c.running && c.hostPort);
  step(deps.log, `Scaling ${r.app} from ${current.length} to ${r.replicas}`);
  if (r.replicas > current.length) {
    await prepareInfra(d, r);
    const numbers = freeReplicaNumbers(new Set(all.map((c) => c.name)), (n) => containerName(r.app, r.deploymentId, n), r.replicas - current.length);
    const added = await startHealthy(d, r, numbers);
    const upstreams = upstreamsOf([...current.map((c) => ({ hostPort: c.hostPort ?? 0 })), ...added]);
    await deps.publish(upstreams);
    return upstreams;
  }
  const keep = current.slice(0, r.replicas);
  const surplus = current.slice(r.replicas);
  const upstreams = upstreamsOf(keep.map((c) => ({ hostPort: c.hostPort ?? 0 })));
  await deps.publish(upstreams);
  await retire(deps, d.runner, surplus);
  return upstreams;
}

/** Stops every container of the app (they stay stopped across daemon restarts). */
export async function stopApp(docker: Docker, app: string, graceSeconds = 10): Promise<string[]> {
  const runner = new DockerRunner(docker);
  const running = (await listAppContainers(docker, app)).filter((c) => c.running);
  await Promise.all(running.map((c) => runner.stop(c.id, graceSeconds)));
  return running.map((c) => c.name);
}

/** Starts the app's stopped containers, waits for health, then publishes them. */
export async function startApp(deps: ReleaseDeps, target: { app: string; port: number; healthcheck?: HealthCheck }): Promise<Upstream[]> {
  const app = parseAppName(target.app);
  const d = replicaDeps(deps);
  const containers = await listAppContainers(deps.docker, app);
  step(deps.log, `Starting ${containers.map((c) => c.name).join(', ') || 'nothing'}`);
  await Promise.all(containers.map((c) => d.runner.start(c.id)));
  const ports = await Promise.all(containers.map((c) =>
    waitHealthy({ runner: d.runner, clock: d.clock, timeoutMs: d.healthTimeoutMs }, c.id, target.port, target.healthcheck ?? { path: '/' })));
  const upstreams = upstreamsOf(ports.map((hostPort) => ({ hostPort })));
  await deps.publish(upstreams);
  return upstreams;
}

/** Removes images of the app beyond the newest `keep` (images still used by a container stay). */
export async function pruneAppImages(docker: Docker, app: string, keep: number): Promise<string[]> {
  const images = await docker.listImages({ filters: { reference: [imageRepo(parseAppName(app))] } });
  const removed: string[] = [];
  for (const image of images.sort((a, b) => b.Created - a.Created).slice(keep)) {
    for (const tag of image.RepoTags ?? []) {
      const ok = await docker.getImage(tag).remove().then(() => true, () => false);
      if (ok) removed.push(tag);
    }
  }
  return removed;
}

export interface RemoveOptions { keepImages?: number; removeVolumes?: boolean }

/** Removes all the app's containers, its images beyond `keepImages` (0: all), and optionally its volumes. */
export async function removeApp(docker: Docker, app: string, opts: RemoveOptions = {}): Promise<void> {
  const runner = new DockerRunner(docker);
  const containers = await listAppContainers(docker, app);
  await Promise.all(containers.map((c) => runner.remove(c.id)));
  await pruneAppImages(docker, app, opts.keepImages ?? 0);
  if (opts.removeVolumes) {
    const { Volumes } = await docker.listVolumes({ filters: { label: [`${LABEL_APP}=${parseAppName(app)}`] } });
    await Promise.all((Volumes ?? []).map((v) => docker.getVolume(v.Name).remove().catch(() => undefined)));
  }
}
