// An app's containers, all found by label (never by name guessing): listing, stopping all of them,
// and removing everything of a deleted app. Scale and start are control's (control/reconciler/
// converge.ts), which composes the replica primitives in replicas.ts.
import type Docker from 'dockerode';
import { parseAppName } from '../../common/names/validate.js';
import { LABEL_APP, LABEL_DEPLOYMENT, LABEL_PORT, LABEL_REPLICA, imageRepo } from '../docker/names.js';
import { DockerRunner } from '../docker/runner.js';

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
  return list
    .map((c) => {
      const port = Number(c.Labels[LABEL_PORT]);
      const binding = c.Ports.find((p) => p.PrivatePort === port && p.IP === '127.0.0.1' && p.PublicPort);
      return {
        id: c.Id,
        name: (c.Names[0] ?? '').replace(/^\//, ''),
        deploymentId: c.Labels[LABEL_DEPLOYMENT] ?? '',
        replica: Number(c.Labels[LABEL_REPLICA] ?? 0),
        image: c.Image,
        state: c.State,
        running: c.State === 'running',
        hostPort: binding?.PublicPort,
        created: c.Created,
      };
    })
    .sort((a, b) => a.replica - b.replica);
}

/** Stops every container of the app (they stay stopped across daemon restarts). */
export async function stopAppContainers(docker: Docker, app: string, graceSeconds = 10): Promise<string[]> {
  const runner = new DockerRunner(docker);
  const running = (await listAppContainers(docker, app)).filter((c) => c.running);
  await Promise.all(running.map((c) => runner.stop(c.id, graceSeconds)));
  return running.map((c) => c.name);
}

/**
 * Removes every image of the app, for an app being deleted. Keeping the newest few after a release
 * is image retention's job in control (control/operations/retention.ts), which knows the history.
 */
export async function removeAppImages(docker: Docker, app: string): Promise<string[]> {
  const images = await docker.listImages({ filters: { reference: [imageRepo(parseAppName(app))] } });
  const removed: string[] = [];
  for (const tag of images.flatMap((image) => image.RepoTags ?? [])) {
    if (
      await docker
        .getImage(tag)
        .remove()
        .then(
          () => true,
          () => false,
        )
    )
      removed.push(tag);
  }
  return removed;
}

export interface PurgeOptions {
  removeVolumes?: boolean;
}

/** Removes all the app's containers and images, and its volumes when asked: the app is being deleted. */
export async function purgeApp(docker: Docker, app: string, opts: PurgeOptions = {}): Promise<void> {
  const runner = new DockerRunner(docker);
  const containers = await listAppContainers(docker, app);
  await Promise.all(containers.map((c) => runner.remove(c.id)));
  await removeAppImages(docker, app);
  if (opts.removeVolumes) {
    const { Volumes } = await docker.listVolumes({ filters: { label: [`${LABEL_APP}=${parseAppName(app)}`] } });
    await Promise.all(
      (Volumes ?? []).map((v) =>
        docker
          .getVolume(v.Name)
          .remove()
          .catch(() => undefined),
      ),
    );
  }
}
