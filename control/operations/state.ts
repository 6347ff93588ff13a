// What state an app is in, derived (pure) from its deployment history and the stopped flag, so
// the status API, the dashboard and the tests all read one definition.
import type { Deployment } from '../store/types.js';

export type AppState = 'running' | 'sleeping' | 'stopped' | 'deploying' | 'failed' | 'new';

const IN_PROGRESS = new Set<Deployment['status']>(['queued', 'building', 'deploying']);

/** The deployment whose image should be serving, if any (history is newest first). */
export function runningDeployment(history: Deployment[]): (Deployment & { image: string }) | null {
  const d = history.find((h) => h.status === 'running' && h.image);
  return d ? (d as Deployment & { image: string }) : null;
}

/** `sleeping`: scaled to zero for idleness (control/edge); a stop by the owner wins over it. */
export function appState(history: Deployment[], stopped: boolean, replicas: number, sleeping = false): AppState {
  if (history.some((d) => IN_PROGRESS.has(d.status))) return 'deploying';
  if (runningDeployment(history)) return stopped || replicas === 0 ? 'stopped' : sleeping ? 'sleeping' : 'running';
  if (history.length === 0) return 'new';
  // Nothing serving: a failure anywhere in the history is why (a first deploy that never came up).
  return history.some((d) => d.status === 'failed') ? 'failed' : 'new';
}
