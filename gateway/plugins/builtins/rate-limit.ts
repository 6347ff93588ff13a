// rate-limit at the gateway: a fixed window per client address and app, counted in Redis
// (rate-limiter-flexible) so every gateway shares one count. While Redis is unreachable each
// gateway counts in memory instead (the insurance limiter) rather than letting everything pass.
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { GatewayPlugin, PluginAnswer } from '../types.js';

const tooMany = (retryAfterSeconds: number): PluginAnswer => ({
  status: 429,
  headers: { 'retry-after': String(retryAfterSeconds), 'content-type': 'application/json' },
  body: JSON.stringify({ error: { code: 'DF_ERR_RATE_LIMITED', message: 'Too many requests; try again later' } }),
});

export const rateLimit: GatewayPlugin = {
  name: 'rate-limit',
  create(config, services) {
    const rate = Number(config.rate);
    const period = Number(config.periodSeconds ?? 1);
    if (!(rate >= 1) || !(period >= 1)) throw new Error('rate and periodSeconds must be at least 1');
    const options = { points: rate, duration: period, keyPrefix: `deployflow:plugins:rate:${services.app}:${rate}:${period}` };
    const memory = new RateLimiterMemory(options);
    const limiter = services.redis ? new RateLimiterRedis({ ...options, storeClient: services.redis, insuranceLimiter: memory }) : memory;
    return {
      onRequest(req) {
        return limiter.consume(req.remote).then(
          () => undefined,
          (err: unknown) => {
            if (err instanceof RateLimiterRes) return tooMany(Math.max(1, Math.ceil(err.msBeforeNext / 1000)));
            throw err;
          },
        );
      },
    };
  },
};
