import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePluginChain } from '../../common/plugins/index.js';
import { chainOf, send } from './testing/run-chain.js';

describe('headers plugin', () => {
  it('sets and removes request and response headers', async () => {
    const chain = chainOf([
      {
        name: 'headers',
        config: {
          request: { add: { 'X-Team': 'blue' }, remove: ['cookie'] },
          response: { add: { 'Strict-Transport-Security': 'max-age=600' }, remove: ['server'] },
        },
      },
    ]);
    const out = await send(
      chain,
      { headers: { cookie: 'a=1', 'x-team': 'red' } },
      { headers: { server: 'leaky/1.0', 'content-type': 'text/plain' }, body: 'x' },
    );
    assert.equal(out.forwarded!.headers.get('x-team'), 'blue');
    assert.equal(out.forwarded!.headers.get('cookie'), undefined);
    assert.equal(out.headers.get('strict-transport-security'), 'max-age=600');
    assert.equal(out.headers.get('server'), undefined);
  });

  it('refuses framing headers and line breaks, naming the field', () => {
    assert.throws(
      () => compilePluginChain([{ name: 'headers', config: { request: { add: { 'Content-Length': '1' } } } }]),
      /plugins\[0\]\.config\.request\.add/,
    );
    assert.throws(
      () => compilePluginChain([{ name: 'headers', config: { response: { add: { 'x-a': 'b\r\nx-evil: 1' } } } }]),
      /plugins\[0\]\.config\.response\.add\.x-a/,
    );
    assert.throws(
      () => compilePluginChain([{ name: 'headers', config: { response: { remove: ['transfer-encoding'] } } }]),
      /plugins\[0\]\.config\.response\.remove\.0/,
    );
  });
});
