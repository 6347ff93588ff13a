// An app's Swarm tasks as replicas and upstreams: where each running task's port is published
// (host mode: its node's address and the port Docker picked on that node).
import type Docker from 'dockerode';
import { LABEL_DEPLOYMENT, LABEL_PORT, type Upstream } from '../../../builder/index.js';
import type { Replica } from '../runtime.js';
import { serviceName } from './spec.js';

export interface SwarmTask {
  ID: string;
  Slot?: number;
  NodeID?: string;
  CreatedAt?: string;
  DesiredState?: string;
  Spec?: { ContainerSpec?: { Image?: string; Labels?: Record<string, string> } };
  Status?: {
    State?: string;
    Err?: string;
    Message?: string;
    Timestamp?: string;
    PortStatus?: { Ports?: Array<{ TargetPort?: number; PublishedPort?: number; PublishMode?: string }> };
    ContainerStatus?: { ContainerID?: string };
  };
}

/** Node id → the address its published ports answer on (Swarm's advertised address). */
export async function nodeAddresses(docker: Docker): Promise<Map<string, { addr: string; ready: boolean; name: string }>> {
  const nodes = (await docker.listNodes()) as Array<{
    ID: string;
    Description?: { Hostname?: string };
    Status?: { State?: string; Addr?: string };
    ManagerStatus?: { Addr?: string };
  }>;
  return new Map(
    nodes.map((n) => {
      const status = n.Status?.Addr && n.Status.Addr !== '0.0.0.0' ? n.Status.Addr : undefined;
      const addr = status ?? n.ManagerStatus?.Addr?.replace(/:\d+$/, '') ?? '127.0.0.1';
      return [n.ID, { addr, ready: n.Status?.State === 'ready', name: n.Description?.Hostname ?? n.ID.slice(0, 12) }];
    }),
  );
}

export function listTasks(docker: Docker, app: string, desired: 'running' | 'any' = 'running'): Promise<SwarmTask[]> {
  const filters: Record<string, string[]> = { service: [serviceName(app)] };
  if (desired === 'running') filters['desired-state'] = ['running'];
  return docker.listTasks({ filters }) as Promise<SwarmTask[]>;
}

export function taskDeployment(t: SwarmTask): string {
  return t.Spec?.ContainerSpec?.Labels?.[LABEL_DEPLOYMENT] ?? '';
}

export function replicaName(app: string, t: SwarmTask): string {
  return `${app}.${t.Slot ?? t.ID.slice(0, 12)}`;
}

/** Tasks as the status API and the reconciler see replicas (pure). */
export function taskReplicas(app: string, tasks: SwarmTask[], nodes: Map<string, { addr: string }>): Replica[] {
  return tasks
    .map((t) => {
      const port = Number(t.Spec?.ContainerSpec?.Labels?.[LABEL_PORT] ?? 0);
      const published = t.Status?.PortStatus?.Ports?.find((p) => p.TargetPort === port && p.PublishMode === 'host')?.PublishedPort;
      const running = t.Status?.State === 'running';
      return {
        id: t.ID,
        name: replicaName(app, t),
        deploymentId: taskDeployment(t),
        replica: t.Slot ?? 0,
        image: t.Spec?.ContainerSpec?.Image ?? '',
        state: t.Status?.State ?? 'unknown',
        running,
        hostPort: running ? published : undefined,
        host: nodes.get(t.NodeID ?? '')?.addr ?? '127.0.0.1',
        created: Math.floor(Date.parse(t.CreatedAt ?? '') / 1000) || 0,
      };
    })
    .sort((a, b) => a.replica - b.replica);
}

/** Running (so healthy: Swarm runs a task only once its health check passed) replicas as upstreams. */
/** The app's tasks as replicas, each with the address its port is published on. */
export async function serviceReplicas(docker: Docker, app: string): Promise<Replica[]> {
  const [tasks, nodes] = await Promise.all([listTasks(docker, app), nodeAddresses(docker)]);
  return taskReplicas(app, tasks, nodes);
}

export function upstreamsOfReplicas(replicas: Replica[], deploymentId?: string): Upstream[] {
  return replicas
    .filter((r) => r.running && r.hostPort && (deploymentId === undefined || r.deploymentId === deploymentId))
    .map((r) => ({ host: r.host ?? '127.0.0.1', port: r.hostPort! }))
    .sort((a, b) => a.host.localeCompare(b.host) || a.port - b.port);
}

/** The latest failure among the tasks, in words (for the deployment log and the error). */
export function lastTaskFailure(tasks: SwarmTask[], since: number): string | null {
  const failed = tasks
    .filter(
      (t) =>
        ['failed', 'rejected', 'shutdown', 'orphaned'].includes(t.Status?.State ?? '') && (t.Status?.Err || t.Status?.State === 'orphaned'),
    )
    .filter((t) => Date.parse(t.Status?.Timestamp ?? '') >= since)
    .sort((a, b) => Date.parse(b.Status?.Timestamp ?? '') - Date.parse(a.Status?.Timestamp ?? ''));
  const t = failed[0];
  if (!t) return null;
  return `task ${t.Slot ?? ''} ${t.Status?.State}: ${t.Status?.Err || t.Status?.Message || 'no reason given'}`;
}
