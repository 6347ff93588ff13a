import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePluginChain } from '../../common/plugins/index.js';
import { chainOf, send } from './testing/run-chain.js';

describe('cors plugin', () => {
  const chain = chainOf([
    {
      name: 'cors',
      config: { origins: ['https://ui.example.com'], methods: ['GET', 'PUT'], credentials: true, exposeHeaders: ['x-total'] },
    },
  ]);

  it('answers an allowed preflight at the edge and refuses another origin', async () => {
    const pre = await send(chain, {
      method: 'OPTIONS',
      headers: { origin: 'https://ui.example.com', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'x-token' },
    });
    assert.equal(pre.by, 'plugin');
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'https://ui.example.com');
    assert.equal(pre.headers.get('access-control-allow-methods'), 'GET, PUT');
    assert.equal(pre.headers.get('access-control-allow-headers'), 'x-token');
    assert.equal(pre.headers.get('access-control-allow-credentials'), 'true');
    const other = await send(chain, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'PUT' },
    });
    assert.equal(other.status, 403);
    assert.equal(other.headers.get('access-control-allow-origin'), undefined);
  });

  it('adds the headers to answers for allowed origins only', async () => {
    const ok = await send(chain, { headers: { origin: 'https://ui.example.com' } });
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://ui.example.com');
    assert.equal(ok.headers.get('access-control-expose-headers'), 'x-total');
    assert.match(ok.headers.get('vary') ?? '', /Origin/);
    const no = await send(chain, { headers: { origin: 'https://evil.example' } });
    assert.equal(no.by, 'app');
    assert.equal(no.headers.get('access-control-allow-origin'), undefined);
  });

  it('refuses credentials for every origin, naming the field', () => {
    assert.throws(
      () => compilePluginChain([{ name: 'cors', config: { origins: ['*'], credentials: true } }]),
      /plugins\[0\]\.config\.credentials/,
    );
    assert.throws(
      () => compilePluginChain([{ name: 'cors', config: { origins: ['ui.example.com'] } }]),
      /plugins\[0\]\.config\.origins\.0/,
    );
  });
});
