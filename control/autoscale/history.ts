// What the autoscaler remembers per app, in the settings store so it survives a restart and every
// control instance reads the same: the last decisions that changed (or tried to change) the
// replica count, when it last changed, and the quota refusal standing now.
import type { Store } from '../store/types.js';

export const KEEP_EVENTS = 20;

export interface AutoscaleEvent {
  at: number;
  /** `refused`: the quota stopped it; `failed`: the health-gated scale did not succeed. */
  kind: 'up' | 'down' | 'refused' | 'failed';
  from: number;
  to: number;
  /** `scaled busy 1 → 3: 118 req/s for 6 s, target 40 per replica`. */
  message: string;
}

export interface AutoscaleRecord {
  /** Newest first. */
  events: AutoscaleEvent[];
  lastChangeAt: number | null;
  /** The quota refusal standing now (cleared by the next change or when no more is needed). */
  refusal: { at: number; message: string } | null;
  /**
   * The last refusal said (control's log, the app's log, notifications): what it could scale to
   * and which quota stopped it. The same one is not said again for a while, even when the wanted
   * count wobbles or the refusal was cleared in between. Absent in records written before it.
   */
  said?: { at: number; key: string } | null;
}

const key = (app: string): string => `autoscale.history:${app}`;

export async function readRecord(store: Store, app: string): Promise<AutoscaleRecord> {
  return (await store.settings.get<AutoscaleRecord>(key(app))) ?? { events: [], lastChangeAt: null, refusal: null, said: null };
}

export async function writeRecord(store: Store, app: string, record: AutoscaleRecord): Promise<void> {
  await store.settings.set(key(app), { ...record, events: record.events.slice(0, KEEP_EVENTS) });
}

/** A deleted app's history goes with it: a later app of the same name starts clean. */
export async function forgetRecord(store: Store, app: string): Promise<void> {
  await store.settings.set(key(app), null);
}
