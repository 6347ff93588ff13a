// The login limiter without Redis (memory counters): points are taken before the password
// check, refused attempts count against neither limiter, and a success gives its points back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeployFlowError } from '../../common/errors/catalogue.js';
import { LoginLimiter } from './rate-limit.js';

const limits = { perAccount: 3, perAddress: 5, windowSeconds: 60 };
const rateLimited = (err: unknown): boolean =>
  isDeployFlowError(err) && err.code === 'DF_ERR_RATE_LIMITED' && Number(err.details?.retryAfterSeconds) > 0;

async function outcomes(attempts: Promise<void>[]): Promise<{ passed: number; limited: number }> {
  const settled = await Promise.allSettled(attempts);
  const limited = settled.filter((r) => r.status === 'rejected' && rateLimited(r.reason)).length;
  return { passed: settled.filter((r) => r.status === 'fulfilled').length, limited };
}

describe('login limiter in memory', () => {
  it('lets only the per-account limit of parallel attempts through', async () => {
    const limiter = new LoginLimiter(null, limits);
    const result = await outcomes(Array.from({ length: 20 }, (_, i) => limiter.consume(`10.0.0.${i}`, 'a@example.test')));
    assert.deepEqual(result, { passed: 3, limited: 17 });
  });

  it('lets only the per-address limit of parallel attempts through, and a blocked account does not use the address', async () => {
    const limiter = new LoginLimiter(null, limits);
    await outcomes(Array.from({ length: 10 }, () => limiter.consume('10.0.0.1', 'blocked@example.test')));
    // Three went through for that account; the seven refused ones left the address alone.
    const result = await outcomes(Array.from({ length: 20 }, (_, i) => limiter.consume('10.0.0.1', `n${i}@example.test`)));
    assert.deepEqual(result, { passed: 2, limited: 18 });
  });

  it('gives the points back on success', async () => {
    const limiter = new LoginLimiter(null, limits);
    for (let i = 0; i < 2; i++) await limiter.consume('10.0.0.2', 'b@example.test');
    await limiter.consume('10.0.0.2', 'b@example.test');
    await limiter.recordSuccess('10.0.0.2', 'b@example.test');
    const result = await outcomes(Array.from({ length: 5 }, () => limiter.consume('10.0.0.3', 'b@example.test')));
    assert.deepEqual(result, { passed: 3, limited: 2 });
    // The address kept only the two failures: three more attempts fit under its limit of five.
    const byAddress = await outcomes(Array.from({ length: 4 }, (_, i) => limiter.consume('10.0.0.2', `c${i}@example.test`)));
    assert.deepEqual(byAddress, { passed: 3, limited: 1 });
  });
});
