import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newApp, rejectsWith, type Ctx } from './fixtures.js';

// Values the store must hand back untouched: anything a shell, a JSON encoder or a text
// column could be tempted to interpret.
const AWKWARD: Record<string, string> = {
  NEWLINES: 'line one\nline two\r\nline three\n',
  QUOTES: `single ' double " back \` slash \\ end`,
  SHELL: '$(rm -rf /) `id` ${HOME} $PATH; echo pwned && exit 1 | cat > /tmp/x',
  UNICODE: 'héllo wörld — 日本語 🚀 \u200b zero-width',
  EMPTY: '',
  JSONISH: '{"a":[1,2,{"b":null}]}',
  EQUALS: 'a=b=c',
  NUL_FREE_CONTROL: '\t\x01\x1f\x7f',
  LONG: 'x'.repeat(64 * 1024),
};

export function envSuite(ctx: Ctx): void {
  describe('env', () => {
    it('returns values byte-for-byte', async () => {
      const s = ctx.store();
      await s.apps.create(newApp('web', 'owner-1'), 5);
      const result = await s.env.apply('web', AWKWARD);
      const sorted = Object.fromEntries(Object.entries(AWKWARD).sort(([a], [b]) => (a < b ? -1 : 1)));
      assert.deepEqual(result, sorted);
      assert.deepEqual(await s.env.get('web'), sorted);
      for (const [k, v] of Object.entries(await s.env.get('web'))) {
        assert.ok(Buffer.from(v, 'utf8').equals(Buffer.from(AWKWARD[k] ?? '<missing>', 'utf8')), `value of ${k} changed`);
      }
    });

    it('sets and removes in one apply and returns the resulting set', async () => {
      const s = ctx.store();
      await s.apps.create(newApp('web', 'owner-1'), 5);
      await s.env.apply('web', { A: '1', B: '2', C: '3' });
      const after = await s.env.apply('web', { A: null, B: 'two', D: '4', MISSING: null });
      assert.deepEqual(after, { B: 'two', C: '3', D: '4' });
      assert.deepEqual(await s.env.get('web'), { B: 'two', C: '3', D: '4' });
      assert.deepEqual(await s.env.apply('web', {}), { B: 'two', C: '3', D: '4' });
    });

    it('applies nothing when one key is invalid', async () => {
      const s = ctx.store();
      await s.apps.create(newApp('web', 'owner-1'), 5);
      await s.env.apply('web', { KEEP: 'old' });
      await rejectsWith(s.env.apply('web', { KEEP: 'new', GOOD: 'x', 'bad.key': 'y' }), 'DF_ERR_INVALID_ENV_KEY');
      await rejectsWith(s.env.apply('web', { $where: 'y' }), 'DF_ERR_INVALID_ENV_KEY');
      assert.deepEqual(await s.env.get('web'), { KEEP: 'old' });
    });

    it('keeps keys that mean something to JavaScript objects as plain keys, and refuses __proto__', async () => {
      const s = ctx.store();
      await s.apps.create(newApp('web', 'owner-1'), 5);
      const special = { constructor: 'c', toString: 't', hasOwnProperty: 'h', valueOf: 'v' };
      assert.deepEqual(Object.entries(await s.env.apply('web', special)).sort(), Object.entries(special).sort());
      const stored = await s.env.get('web');
      assert.deepEqual(Object.entries(stored).sort(), Object.entries(special).sort());
      assert.equal(Object.getPrototypeOf(stored), Object.prototype);
      // Computed key: an own property named __proto__, which the key validator refuses.
      await rejectsWith(s.env.apply('web', { ['__proto__']: 'p' }), 'DF_ERR_INVALID_ENV_KEY');
      await s.env.apply('web', { constructor: null });
      assert.deepEqual(Object.keys(await s.env.get('web')).sort(), ['hasOwnProperty', 'toString', 'valueOf']);
    });

    it('keeps apps apart, refuses an unknown app and reads it as empty', async () => {
      const s = ctx.store();
      await s.apps.create(newApp('one', 'owner-1'), 5);
      await s.apps.create(newApp('two', 'owner-1'), 5);
      await s.env.apply('one', { SHARED: 'one' });
      await s.env.apply('two', { SHARED: 'two' });
      assert.deepEqual(await s.env.get('one'), { SHARED: 'one' });
      assert.deepEqual(await s.env.get('two'), { SHARED: 'two' });
      await rejectsWith(s.env.apply('nope', { A: '1' }), 'DF_ERR_APP_NOT_FOUND');
      assert.deepEqual(await s.env.get('nope'), {});
    });

    it('keeps every change of concurrent applies to different keys', async () => {
      const s = ctx.store();
      await s.apps.create(newApp('web', 'owner-1'), 5);
      const keys = Array.from({ length: 10 }, (_, i) => `K${i}`);
      await Promise.all(keys.map((k) => s.env.apply('web', { [k]: k.toLowerCase() })));
      assert.deepEqual(Object.keys(await s.env.get('web')).sort(), keys.sort());
    });
  });
}
