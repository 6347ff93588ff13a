// What scale to zero needs: the day-two operations' dependencies (Docker, the app queue, the
// route table) plus Redis for the wake channel and the cross-instance lock, and the event bus.
import type { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { OpsDeps } from '../operations/deps.js';

export interface EdgeDeps extends OpsDeps {
  redis: Redis | null;
  events: EventEmitter;
  clock: () => number;
}

/** Longest a sleep or wake may hold the app's edge lock: a full health wait and some. */
export function edgeLockTtlMs(x: EdgeDeps): number {
  return x.config.healthTimeoutSeconds * 1000 + 30_000;
}

/** What the realtime bridge sends to dashboards when an app falls asleep, wakes or fails to. */
export interface AppSleepEvent {
  app: string;
  sleeping: boolean;
  at: number;
}
export const SLEEP_EVENT = 'app.sleep';

/** A wake that failed: the app's log and its people hear of it (control/notifications). */
export interface AppWakeFailedEvent {
  app: string;
  reason: string;
  at: number;
}
export const WAKE_FAILED_EVENT = 'app.wake-failed';
