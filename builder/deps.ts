// The dependencies builder code receives instead of reaching for globals: a log sink for the
// deployment log and a clock (tests can make waits instant).
import { setTimeout as delay } from 'node:timers/promises';

/** One line of the deployment log; never given env values or secrets. */
export type LogSink = (line: string) => void;

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => delay(ms),
};

/** The `-----> step` line every pipeline step starts with (Heroku's convention). */
export function step(log: LogSink, text: string): void {
  log(`-----> ${text}`);
}
