import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePluginChain } from '../../common/plugins/index.js';
import { chainOf, send } from './testing/run-chain.js';

describe('ip-filter plugin', () => {
  it('denies listed addresses (deny wins) and, with an allow list, everyone not on it', async () => {
    const chain = chainOf([{ name: 'ip-filter', config: { allow: ['10.0.0.0/8', '2001:db8::/32'], deny: ['10.9.0.0/16'] } }]);
    assert.equal((await send(chain, { remote: '10.1.2.3' })).by, 'app');
    assert.equal((await send(chain, { remote: '2001:db8::1' })).by, 'app');
    assert.equal((await send(chain, { remote: '10.9.1.1' })).status, 403);
    assert.equal((await send(chain, { remote: '192.0.2.1' })).status, 403);
    const denyOnly = chainOf([{ name: 'ip-filter', config: { deny: ['192.0.2.1'] } }]);
    assert.equal((await send(denyOnly, { remote: '192.0.2.1' })).status, 403);
    assert.equal((await send(denyOnly, { remote: '192.0.2.2' })).by, 'app');
  });

  it('refuses a CIDR that does not parse, naming the entry', () => {
    for (const bad of ['10.0.0.0/33', '10.0.0.300/8', 'example.com', '::/129', '10.0.0.0/']) {
      assert.throws(
        () => compilePluginChain([{ name: 'ip-filter', config: { allow: ['127.0.0.1', bad] } }]),
        (err: Error) => err.message.startsWith('plugins[0].config.allow.1:') && err.message.includes(bad),
        bad,
      );
    }
    assert.throws(() => compilePluginChain([{ name: 'ip-filter', config: {} }]), /at least one allow or deny/);
  });
});
