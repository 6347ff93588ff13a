// Env vars through real HTTP: verbatim values, merge semantics, validation that changes nothing,
// encryption at rest, and a wrong key failing loudly instead of returning ciphertext.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { registerUser, startTestControl, type TestControl } from './support/control.js';

const TRICKY = {
  MULTILINE: 'line one\nline two\r\n\ttabbed',
  QUOTES: `it's "quoted" \`back\``,
  SUBSHELL: '$(rm -rf /) ${HOME} `id`',
  UNICODE: 'héllo ✓ 日本',
  EMPTY: '',
  EQUALS: 'a=b=c',
};

describe('env vars', () => {
  let control: TestControl;
  let owner: Awaited<ReturnType<typeof registerUser>>;
  const key = randomBytes(32).toString('hex');

  before(async () => {
    control = await startTestControl({ DEPLOYFLOW_ENCRYPTION_KEY: key });
    owner = await registerUser(control.url);
    await owner.post('/api/v1/apps', { name: 'envy' });
  });
  after(() => control.stop());

  it('stores any string verbatim and returns it to the owner', async () => {
    const put = await owner.put('/api/v1/apps/envy/env', { vars: TRICKY });
    assert.equal(put.status, 200);
    assert.deepEqual(put.body.keys, Object.keys(TRICKY).sort());
    const got = await owner.get('/api/v1/apps/envy/env');
    assert.equal(got.body.masked, false);
    assert.deepEqual(got.body.vars, TRICKY);
    const masked = await owner.get('/api/v1/apps/envy/env?reveal=false');
    assert.equal(masked.body.masked, true);
    assert.ok(Object.values(masked.body.vars).every((v) => v !== TRICKY.MULTILINE));
  });

  it('merges on PUT and removes keys set to null', async () => {
    await owner.put('/api/v1/apps/envy/env', { vars: { ADDED: '1', EMPTY: null } });
    const vars = (await owner.get('/api/v1/apps/envy/env')).body.vars;
    assert.equal(vars.ADDED, '1');
    assert.equal(vars.EMPTY, undefined);
    assert.equal(vars.QUOTES, TRICKY.QUOTES);
    assert.equal((await owner.delete('/api/v1/apps/envy/env/ADDED')).status, 204);
    assert.equal((await owner.delete('/api/v1/apps/envy/env/ADDED')).status, 404);
  });

  it('refuses bad keys with DF_ERR_INVALID_ENV_KEY and changes nothing', async () => {
    const before = (await owner.get('/api/v1/apps/envy/env')).body.vars;
    for (const bad of ['1ABC', 'A-B', 'A B', 'A=B', '', 'É', 'A.B', 'A\nB']) {
      const res = await owner.put('/api/v1/apps/envy/env', { vars: { GOOD_ONE: 'x', [bad]: 'y' } });
      assert.equal(res.status, 400, JSON.stringify(bad));
      assert.equal(res.body.error.code, 'DF_ERR_INVALID_ENV_KEY');
    }
    assert.equal((await owner.put('/api/v1/apps/envy/env', { vars: { OK: 42 } })).body.error.code, 'DF_ERR_VALIDATION');
    const proto = await owner.put('/api/v1/apps/envy/env', '{"vars":{"GOOD_ONE":"x","__proto__":"y"}}');
    assert.equal(proto.body.error.code, 'DF_ERR_INVALID_ENV_KEY');
    assert.deepEqual((await owner.get('/api/v1/apps/envy/env')).body.vars, before);
  });

  it('refuses a value no container can carry (NUL) with DF_ERR_VALIDATION naming the key, and stores nothing', async () => {
    const before = (await owner.get('/api/v1/apps/envy/env')).body.vars;
    const res = await owner.put('/api/v1/apps/envy/env', { vars: { FINE: 'ok', BROKEN: 'a\u0000b' } });
    assert.deepEqual([res.status, res.body.error.code, res.body.error.details], [400, 'DF_ERR_VALIDATION', { key: 'BROKEN' }]);
    assert.match(res.body.error.message, /BROKEN/);
    assert.deepEqual((await owner.get('/api/v1/apps/envy/env')).body.vars, before);
  });

  it('keeps only ciphertext at rest', () => {
    const db = new Database(path.join(control.dataDir, 'deployflow.db'), { readonly: true });
    const dump = JSON.stringify(
      db
        .prepare("SELECT * FROM sqlite_master WHERE type = 'table'")
        .all()
        .flatMap((t) => {
          const name = (t as { name: string }).name;
          return db.prepare(`SELECT * FROM "${name}"`).all();
        }),
    );
    db.close();
    assert.ok(dump.includes('QUOTES'), 'the key names are stored');
    for (const value of [TRICKY.QUOTES, 'line one', 'héllo', '$(rm -rf /)'])
      assert.ok(!dump.includes(value), `plaintext ${value} found at rest`);
  });

  it('fails with DF_ERR_DECRYPT_FAILED under the wrong key, never returning the raw value', async () => {
    await control.stop(false);
    const wrong = await startTestControl({ DEPLOYFLOW_ENCRYPTION_KEY: randomBytes(32).toString('hex') }, control.dataDir);
    try {
      const login = await fetch(`${wrong.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: owner.email, password: 'correct horse battery' }),
      }).then((r) => r.json() as Promise<{ accessToken: string }>);
      const res = await fetch(`${wrong.url}/api/v1/apps/envy/env`, { headers: { authorization: `Bearer ${login.accessToken}` } });
      assert.equal(res.status, 500);
      const body = (await res.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'DF_ERR_DECRYPT_FAILED');
      assert.ok(!JSON.stringify(body).includes('v1:'));
      // Masked reads still work: they need no decryption.
      const masked = await fetch(`${wrong.url}/api/v1/apps/envy/env?reveal=false`, {
        headers: { authorization: `Bearer ${login.accessToken}` },
      });
      assert.equal(masked.status, 200);
    } finally {
      await wrong.stop(false);
      control = await startTestControl({ DEPLOYFLOW_ENCRYPTION_KEY: key }, control.dataDir);
    }
    const client = Object.assign(Object.create(Object.getPrototypeOf(owner)), owner, { base: control.url });
    assert.deepEqual((await client.get('/api/v1/apps/envy/env')).body.vars.QUOTES, TRICKY.QUOTES);
  });
});
