import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redirectTarget } from './builtins/redirect.js';
import { chainOf, send } from './testing/run-chain.js';

describe('redirect plugin', () => {
  it('computes one target for scheme, host and prefix changes, or none', () => {
    assert.equal(redirectTarget({ https: true }, 'http', 'shop.example.com', '/a?b'), 'https://shop.example.com/a?b');
    assert.equal(redirectTarget({ https: true }, 'https', 'shop.example.com', '/a'), null);
    assert.equal(redirectTarget({ host: 'www' }, 'https', 'example.com', '/'), 'https://www.example.com/');
    assert.equal(redirectTarget({ host: 'apex', https: true }, 'http', 'www.example.com', '/x'), 'https://example.com/x');
    const prefixes = [
      { from: '/old', to: '/new' },
      { from: '/docs/', to: '/' },
    ];
    assert.equal(redirectTarget({ prefixes }, 'http', 'h', '/old/page?q=1'), 'http://h/new/page?q=1');
    assert.equal(redirectTarget({ prefixes }, 'http', 'h', '/old'), 'http://h/new');
    assert.equal(redirectTarget({ prefixes }, 'http', 'h', '/older'), null);
    assert.equal(redirectTarget({ prefixes }, 'http', 'h', '/docs/intro'), 'http://h/intro');
    assert.equal(redirectTarget({ prefixes }, 'http', 'h', '/docs'), 'http://h/');
  });

  it('answers 308 (or 307 when not permanent) with the Location', async () => {
    const out = await send(chainOf([{ name: 'redirect', config: { https: true } }]), { path: '/p' });
    assert.equal(out.status, 308);
    assert.equal(out.headers.get('location'), 'https://app.paas.local/p');
    const temp = await send(chainOf([{ name: 'redirect', config: { prefixes: [{ from: '/a', to: '/b' }], permanent: false } }]), {
      path: '/a/1',
    });
    assert.equal(temp.status, 307);
    assert.equal((await send(chainOf([{ name: 'redirect', config: { https: true } }]), { proto: 'https' })).by, 'app');
  });
});
