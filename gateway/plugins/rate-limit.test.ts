import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePluginChain } from '../../common/plugins/index.js';
import { chainOf, send } from './testing/run-chain.js';

describe('rate-limit plugin', () => {
  it('lets `rate` requests per period through per client address, then 429 with Retry-After', async () => {
    const chain = chainOf([{ name: 'rate-limit', config: { rate: 2, periodSeconds: 60 } }]);
    assert.equal((await send(chain, { remote: '192.0.2.1' })).by, 'app');
    assert.equal((await send(chain, { remote: '192.0.2.1' })).by, 'app');
    const third = await send(chain, { remote: '192.0.2.1' });
    assert.equal(third.status, 429);
    const retry = Number(third.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 60, String(retry));
    assert.equal((await send(chain, { remote: '192.0.2.2' })).by, 'app', 'another address has its own count');
  });

  it('refuses a rate of 0 naming the field', () => {
    assert.throws(() => compilePluginChain([{ name: 'rate-limit', config: { rate: 0 } }]), /plugins\[0\]\.config\.rate/);
    assert.throws(
      () => compilePluginChain([{ name: 'rate-limit', config: { rate: 5, periodSeconds: 0 } }]),
      /plugins\[0\]\.config\.periodSeconds/,
    );
  });
});
