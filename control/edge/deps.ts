// What scale to zero needs: the day-two operations' dependencies (Docker, the app queue, the
// route table) plus Redis for the wake channel and the cross-instance lock, and the event bus.
import type { Redis } from 'ioredis';
import type { OpsDeps } from '../operations/deps.js';
import type { ControlEventBus } from '../server/events.js';

export interface EdgeDeps extends OpsDeps {
  redis: Redis | null;
  events: ControlEventBus;
  clock: () => number;
}

/** Longest a sleep or wake may hold the app's edge lock: a full health wait and some. */
export function edgeLockTtlMs(edge: EdgeDeps): number {
  return edge.config.healthTimeoutSeconds * 1000 + 30_000;
}
