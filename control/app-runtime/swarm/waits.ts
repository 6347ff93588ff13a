// Waiting for Swarm to have done what it was asked: a service's tasks of one deployment running
// (so past their health check), or a scale or a stop settled.
import { setTimeout as delay } from 'node:timers/promises';
import type { SwarmContext } from './service.js';
import { lastTaskFailure, listTasks, nodeAddresses, taskDeployment } from './tasks.js';

/** Task states before a task's end: its container may exist and run (complete, shutdown, failed… are ends). */
const LIVE_TASK_STATES = new Set(['new', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting', 'running']);

/**
 * Until `count` tasks of `deploymentId` run (a task runs only once its health check passed) and
 * — when `deploymentId` is null — until no task runs at all.
 */
export async function waitRunning(
  swarm: SwarmContext,
  app: string,
  deploymentId: string | null,
  count: number,
  timeoutMs: number,
  since: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tasks = await listTasks(swarm.docker, app);
    const running = tasks.filter((t) => t.Status?.State === 'running' && (deploymentId === null || taskDeployment(t) === deploymentId));
    if (deploymentId === null ? running.length === 0 : running.length >= count) return;
    if (Date.now() > deadline) {
      const failure = lastTaskFailure(await listTasks(swarm.docker, app, 'any'), since);
      throw new Error(
        `${running.length} of ${count} replicas running after ${Math.round(timeoutMs / 1000)}s${failure ? ` (${failure})` : ''}`,
      );
    }
    await delay(swarm.pollMs);
  }
}

/**
 * Until Swarm has done what a scale or a stop asked: `count` tasks of `deploymentId` run (so
 * passed their health check), no more are meant to run, and every task told to shut down has
 * stopped — its container has ended — except on nodes that are not ready (nothing reports from
 * a dead node: its tasks stay "running" in Swarm's books while Swarm replaces them elsewhere).
 * `until: 'chosen'` returns earlier, once Swarm has picked the tasks that keep running.
 */
export async function waitSettled(
  swarm: SwarmContext,
  app: string,
  deploymentId: string | null,
  count: number,
  timeoutMs: number,
  since: number,
  until: 'stopped' | 'chosen' = 'stopped',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [tasks, nodes] = await Promise.all([listTasks(swarm.docker, app, 'any'), nodeAddresses(swarm.docker)]);
    const meant = tasks.filter((t) => t.DesiredState === 'running');
    const running = meant.filter((t) => t.Status?.State === 'running' && (deploymentId === null || taskDeployment(t) === deploymentId));
    const stopping = tasks.filter(
      (t) =>
        t.DesiredState !== 'running' &&
        LIVE_TASK_STATES.has(t.Status?.State ?? '') &&
        t.NodeID !== undefined &&
        nodes.get(t.NodeID)?.ready === true,
    );
    if (meant.length <= count && (until === 'chosen' || (running.length >= count && stopping.length === 0))) return;
    if (Date.now() > deadline) {
      const failure = lastTaskFailure(tasks, since);
      const what = running.length < count ? `${running.length} of ${count} replicas running` : `${stopping.length} replicas still stopping`;
      throw new Error(`${what} after ${Math.round(timeoutMs / 1000)}s${failure ? ` (${failure})` : ''}`);
    }
    await delay(swarm.pollMs);
  }
}
