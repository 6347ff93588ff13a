// Webhook deliveries are remembered for a window so a captured one cannot be sent again: a
// signature (GitHub) or token (GitLab) proves who sent a body once, not that it is fresh.
// GitHub signs the body only, so whoever replays can change the delivery id header at will;
// the body's hash is therefore remembered beside the provider's delivery id, and either one
// seen again within the window is a replay. Remembered in Redis when configured (shared by
// every control instance), in memory otherwise and while Redis is down.
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import type { Provider } from './payload.js';

export const REPLAY_WINDOW_SECONDS = 24 * 3600;

/** The provider's id of one delivery (a GUID), when it sent one. */
export function deliveryId(provider: Provider, headers: IncomingHttpHeaders): string | null {
  const names = provider === 'github' ? ['x-github-delivery'] : ['x-gitlab-event-uuid', 'x-gitlab-webhook-uuid'];
  for (const name of names) {
    const value = headers[name];
    if (typeof value === 'string' && /^[A-Za-z0-9-]{8,100}$/.test(value)) return value;
  }
  return null;
}

export class DeliveryMemory {
  private readonly seen: RateLimiterAbstract;

  constructor(redis: Redis | null, windowSeconds = REPLAY_WINDOW_SECONDS) {
    // One point per key and window: the first delivery takes it, any later one finds none left.
    const memory = new RateLimiterMemory({ keyPrefix: 'webhook-delivery', points: 1, duration: windowSeconds });
    this.seen = redis
      ? new RateLimiterRedis({
          storeClient: redis,
          keyPrefix: 'deployflow:webhook-delivery',
          points: 1,
          duration: windowSeconds,
          insuranceLimiter: memory,
        })
      : memory;
  }

  /**
   * Claims the delivery for `app`, or throws 409 DF_ERR_WEBHOOK_REPLAYED when its id or its body
   * was seen within the window. Returns the release function: a delivery that then fails is
   * forgotten again, so the provider's "redeliver" can retry it.
   */
  async claim(app: string, provider: Provider, headers: IncomingHttpHeaders, body: Buffer): Promise<() => Promise<void>> {
    const keys = [`${app}:${provider}:body:${createHash('sha256').update(body).digest('hex')}`];
    const id = deliveryId(provider, headers);
    if (id) keys.push(`${app}:${provider}:id:${id}`);
    const taken: string[] = [];
    const release = async (): Promise<void> => {
      await Promise.all(taken.map((k) => this.seen.delete(k).catch(() => undefined)));
    };
    for (const key of keys) {
      try {
        await this.seen.consume(key);
        taken.push(key);
      } catch (err) {
        await release();
        if (!(err instanceof RateLimiterRes)) throw err;
        throw new DeployFlowError('DF_ERR_WEBHOOK_REPLAYED');
      }
    }
    return release;
  }
}
