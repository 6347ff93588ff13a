// Control's end of the wake channel. Every gateway holding a request for a sleeping app
// publishes a wake; this listener turns any number of them into one wake per app: concurrent
// asks in this process join the wake in progress, other control instances are kept out by the
// edge lock, and asks that arrive after the app woke find it awake. A failed wake (or one asked
// for during the back-off that follows) is announced on WAKE_FAILED_CHANNEL, so gateways answer
// the requests they hold with 503 at once; a failed wake is also written to the app's runtime log
// (control/runtime/platform-log.ts) and sent to its people as a `wake.failed` notification.
import type { Redis } from 'ioredis';
import { isAppName } from '../../common/names/validate.js';
import { WAKE_CHANNEL, WAKE_FAILED_CHANNEL, type WakeFailure } from '../../common/routes/index.js';
import type { EdgeDeps } from './deps.js';
import { wakeApp, type WakeOutcome } from './wake.js';
import { writePlatformLine } from '../runtime/platform-log.js';

export interface WakeListener {
  /** Asks for a wake as a gateway would (tests, and the listener itself). */
  request(app: string): Promise<WakeOutcome>;
  stop(): Promise<void>;
}

export async function startWakeListener(edge: EdgeDeps & { redis: Redis }, onWoken: (app: string) => void): Promise<WakeListener> {
  const inProgress = new Map<string, Promise<WakeOutcome>>();
  // Its own connection (a subscriber can do nothing else) that queues the subscribe until Redis is
  // up and re-subscribes after a reconnect, so a Redis that is down at start delays wakes only.
  const sub = edge.redis.duplicate({ enableOfflineQueue: true, lazyConnect: false, maxRetriesPerRequest: null });
  sub.on('error', () => undefined);

  const announceFailure = async (app: string, outcome: Extract<WakeOutcome, { kind: 'failed' | 'backing-off' }>): Promise<void> => {
    const failure: WakeFailure = { app, retryAfterSeconds: Math.max(1, outcome.retryAfterSeconds), reason: outcome.reason };
    await edge.redis.publish(WAKE_FAILED_CHANNEL, JSON.stringify(failure)).catch(() => undefined);
  };

  const run = async (app: string): Promise<WakeOutcome> => {
    const outcome = await wakeApp(edge, app, edge.clock());
    if (outcome.kind === 'woken') {
      edge.log.info({ app, coldStartMs: outcome.coldStartMs, replicas: outcome.upstreams }, 'woke the app on request');
      onWoken(app);
    } else if (outcome.kind === 'failed') {
      edge.log.warn({ app, reason: outcome.reason }, 'waking the app failed; it stays asleep');
      const at = edge.clock();
      edge.events.emit('app.wake-failed', { app, reason: outcome.reason, at });
      // Where the app's people look: its runtime log (written before the held requests get their
      // 503, so whoever reads the log after that answer finds the reason) and their notifications.
      const message = `Waking ${app} failed: ${outcome.reason}. It stays asleep; the next request after ${outcome.retryAfterSeconds} s tries again.`;
      await writePlatformLine(edge, app, message, at).catch((err: unknown) =>
        edge.log.warn({ err, app }, 'writing the wake failure to the app log failed'),
      );
      await announceFailure(app, outcome);
      edge.events.emit('app.notice', { app, kind: 'wake.failed', message });
    } else if (outcome.kind === 'backing-off') {
      await announceFailure(app, outcome);
    }
    return outcome;
  };

  const request = (app: string): Promise<WakeOutcome> => {
    let p = inProgress.get(app);
    if (!p) {
      p = run(app)
        .catch((err: unknown) => {
          edge.log.error({ err, app }, 'wake failed unexpectedly');
          return { kind: 'failed', reason: 'internal error while waking', retryAfterSeconds: edge.config.wakeBackoffSeconds } as const;
        })
        .finally(() => inProgress.delete(app));
      inProgress.set(app, p);
    }
    return p;
  };

  sub.on('message', (_channel: string, message: string) => {
    let app: unknown;
    try {
      app = (JSON.parse(message) as { app?: unknown }).app;
    } catch {
      return;
    }
    // Anything on the channel is untrusted input: only a valid app name goes any further.
    if (isAppName(app)) void request(app);
  });
  await sub.subscribe(WAKE_CHANNEL).catch((err: unknown) => edge.log.warn({ err }, 'subscribing to the wake channel failed'));

  return {
    request,
    async stop() {
      sub.disconnect();
      await Promise.allSettled([...inProgress.values()]);
    },
  };
}
