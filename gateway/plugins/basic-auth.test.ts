import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePluginChain, viewPluginChain } from '../../common/plugins/index.js';
import { chainOf, send } from './testing/run-chain.js';

const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

describe('basic-auth plugin', () => {
  const entries = [{ name: 'basic-auth', config: { users: { ada: 'correct horse', bob: 's3cret' }, realm: 'Staff' } }];

  it('stores scrypt hashes only, and shows user names without passwords', () => {
    const [stored] = compilePluginChain(entries);
    const text = JSON.stringify(stored);
    assert.doesNotMatch(text, /correct horse|s3cret/);
    assert.match(String((stored!.config.users as Record<string, string>).ada), /^scrypt\$1024\$8\$1\$/);
    assert.deepEqual(viewPluginChain([stored!]), [{ name: 'basic-auth', config: { users: { ada: null, bob: null }, realm: 'Staff' } }]);
  });

  it('asks for credentials, refuses wrong ones and lets the right ones through', async () => {
    const chain = chainOf(entries);
    const none = await send(chain);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Basic realm="Staff", charset="UTF-8"');
    assert.equal((await send(chain, { headers: basic('ada', 'wrong') })).status, 401);
    assert.equal((await send(chain, { headers: basic('eve', 's3cret') })).status, 401);
    assert.equal((await send(chain, { headers: { authorization: 'Bearer x' } })).status, 401);
    for (let i = 0; i < 2; i++) {
      // the second answer comes from the remembered check
      const ok = await send(chain, { headers: basic('bob', 's3cret') });
      assert.equal(ok.by, 'app');
      assert.equal(ok.status, 200);
    }
  });

  it('on one keep-alive connection, lets a header it accepted through again and still checks any other', async () => {
    const chain = chainOf(entries);
    const connection = {};
    assert.equal((await send(chain, { connection, headers: basic('bob', 's3cret') })).status, 200);
    // accepted from the connection's last good header (no hash, no scrypt)
    assert.equal((await send(chain, { connection, headers: basic('bob', 's3cret') })).by, 'app');
    // a different header on the same connection is checked in full
    assert.equal((await send(chain, { connection, headers: basic('bob', 'wrong') })).status, 401);
    assert.equal((await send(chain, { connection })).status, 401);
    assert.equal((await send(chain, { connection, headers: basic('ada', 'correct horse') })).status, 200);
    // the connection's good header was not remembered for another chain (another route config)
    assert.equal(
      (
        await send(chainOf([{ name: 'basic-auth', config: { users: { bob: 'changed' } } }]), {
          connection,
          headers: basic('bob', 's3cret'),
        })
      ).status,
      401,
    );
  });

  it('keeps a stored password when the user is sent back with null, and refuses null for a new user', () => {
    const [first] = compilePluginChain(entries);
    const [again] = compilePluginChain([{ name: 'basic-auth', config: { users: { ada: null, carol: 'new one' } } }], [first!]);
    const users = again!.config.users as Record<string, string>;
    assert.equal(users.ada, (first!.config.users as Record<string, string>).ada);
    assert.deepEqual(Object.keys(users), ['ada', 'carol']);
    assert.throws(
      () => compilePluginChain([{ name: 'basic-auth', config: { users: { dan: null } } }], [first!]),
      /plugins\[0\]\.config\.users\.dan/,
    );
  });

  it('refuses 10 000 users, a colon in a name and an empty list, naming the field', () => {
    const many = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`u${i}`, 'pw']));
    assert.throws(
      () => compilePluginChain([{ name: 'basic-auth', config: { users: many } }]),
      /plugins\[0\]\.config\.users: at most 100 users/,
    );
    assert.throws(() => compilePluginChain([{ name: 'basic-auth', config: { users: { 'a:b': 'pw' } } }]), /plugins\[0\]\.config\.users/);
    assert.throws(() => compilePluginChain([{ name: 'basic-auth', config: { users: {} } }]), /at least one user/);
  });
});
