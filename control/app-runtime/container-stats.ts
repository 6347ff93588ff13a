// Stats of this engine's running app containers that carry the given labels. Used by the docker
// runtime, and by the swarm runtime for the tasks on the manager's own node (Swarm keeps no
// stats of its own; the container labels of a service's tasks are the same ones).
import type Docker from 'dockerode';
import { LABEL_APP } from '../../builder/index.js';
import { hasReadings, type DockerStats } from '../runtime/stats.js';
import type { ReplicaStats } from './runtime.js';

export async function containerStats(
  docker: Docker,
  labels: Record<string, string>,
  replicaName?: (c: Docker.ContainerInfo) => string,
): Promise<ReplicaStats[]> {
  const label = [LABEL_APP, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)];
  const containers = await docker.listContainers({ filters: { label, status: ['running'] } });
  const out = await Promise.all(
    containers.map(async (c): Promise<ReplicaStats | null> => {
      const app = c.Labels[LABEL_APP];
      // stream:false waits for a second reading, so precpu_stats is filled in for the CPU delta.
      const stats = (await docker
        .getContainer(c.Id)
        .stats({ stream: false })
        .catch(() => null)) as DockerStats | null;
      // A container stopping between the listing and its stats has no readings: it is left out
      // of this round, the other replicas and apps are not.
      if (!app || !stats || !hasReadings(stats)) return null;
      return { app, replica: replicaName ? replicaName(c) : (c.Names[0] ?? c.Id).replace(/^\//, ''), stats };
    }),
  );
  return out.filter((s): s is ReplicaStats => s !== null);
}
