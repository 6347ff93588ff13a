// An app's scale-to-zero state, stored (like the stopped flag) so every control instance, the
// reconciler and a control restart agree on whether the app sleeps. The route table says the same
// to the gateways; this record adds the history the status API and dashboard show.
import { isStopped } from '../operations/stopped.js';
import type { Store } from '../store/types.js';

export interface SleepState {
  sleeping: boolean;
  /** When the app last went to sleep / last woke (ms since the epoch). */
  sleptAt: number | null;
  wokeAt: number | null;
  /** Successful wakes since the app was created. */
  wakes: number;
  /** Request in → route published awake, for the last successful wake. */
  lastColdStartMs: number | null;
  /** Why the last wake failed (cleared by the next successful one). */
  lastWakeError: string | null;
  lastWakeFailedAt: number | null;
  /** The last successful wakes' cold starts, oldest first (for the metrics' average). */
  coldStarts: ColdStart[];
}

export interface ColdStart {
  at: number;
  ms: number;
}

/** Cold starts kept per app. */
export const COLD_STARTS_KEPT = 20;

export const AWAKE: SleepState = {
  sleeping: false,
  sleptAt: null,
  wokeAt: null,
  wakes: 0,
  lastColdStartMs: null,
  lastWakeError: null,
  lastWakeFailedAt: null,
  coldStarts: [],
};

const key = (app: string): string => `app.sleep:${app}`;

export async function sleepState(store: Store, app: string): Promise<SleepState> {
  const stored = await store.settings.get<Partial<SleepState>>(key(app));
  return { ...AWAKE, ...(stored ?? {}) };
}

/** Scale to zero's figures for the metrics: wakes, the last and average cold start, and the recent ones. */
export interface SleepMetrics {
  sleeping: boolean;
  /** When the app last woke (the same moment as the last cold start's `at`); null before the first wake. */
  wokeAt: number | null;
  wakes: number;
  lastColdStartMs: number | null;
  averageColdStartMs: number | null;
  coldStarts: ColdStart[];
}

export function sleepMetrics(s: SleepState): SleepMetrics {
  const average = s.coldStarts.length > 0 ? Math.round(s.coldStarts.reduce((sum, c) => sum + c.ms, 0) / s.coldStarts.length) : null;
  return {
    sleeping: s.sleeping,
    wokeAt: s.wokeAt,
    wakes: s.wakes,
    lastColdStartMs: s.lastColdStartMs,
    averageColdStartMs: average,
    coldStarts: s.coldStarts,
  };
}

/** The apps asleep now (an app its owner stopped is stopped, not asleep): the metrics sampler records them with 0 replicas. */
export async function sleepingApps(store: Store): Promise<string[]> {
  const apps = await store.apps.list();
  const asleep = await Promise.all(apps.map(async (a) => (await isSleeping(store, a.name)) && !(await isStopped(store, a.name))));
  return apps.filter((_, i) => asleep[i]).map((a) => a.name);
}

export async function isSleeping(store: Store, app: string): Promise<boolean> {
  return (await sleepState(store, app)).sleeping;
}

/** Merges `patch` into the stored state and returns the result. */
export async function updateSleepState(store: Store, app: string, patch: Partial<SleepState>): Promise<SleepState> {
  const next = { ...(await sleepState(store, app)), ...patch };
  await store.settings.set(key(app), next);
  return next;
}

/** A deploy, a start or a stop by the owner ends a sleep: the app is awake (or plainly stopped). */
export async function clearSleeping(store: Store, app: string): Promise<void> {
  if (await isSleeping(store, app)) await updateSleepState(store, app, { sleeping: false });
}

export async function forgetSleepState(store: Store, app: string): Promise<void> {
  await store.settings.set(key(app), null);
}
