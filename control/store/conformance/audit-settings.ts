import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newAudit, T0, type Ctx } from './fixtures.js';

export function auditSuite(ctx: Ctx): void {
  describe('audit', () => {
    it('filters by actor, action, target and time, newest first, with a limit', async () => {
      const s = ctx.store();
      const e = [
        newAudit(T0 + 1, { actorId: 'alice', action: 'app.create', target: 'app:web' }),
        newAudit(T0 + 2, { actorId: 'bob', action: 'app.create', target: 'app:api' }),
        newAudit(T0 + 3, { actorId: 'alice', action: 'app.delete', target: 'app:web', result: 'error' }),
        newAudit(T0 + 4, { actorId: 'alice', action: 'auth.login', ip: '10.0.0.1', actorEmail: 'alice@example.com' }),
        newAudit(T0 + 4, { actorId: null, action: 'auth.login', details: { reason: 'bad password', attempts: 3, nested: { ok: false } } }),
      ];
      // Stored out of order: the order of the answer must come from the times, not the inserts.
      for (const i of [2, 0, 4, 1, 3]) await s.audit.append(e[i]!);
      const ids = async (q: Parameters<typeof s.audit.query>[0]): Promise<(string | undefined)[]> =>
        (await s.audit.query(q)).map((x) => x.id);
      const all = await s.audit.query({});
      assert.equal(all.length, 5);
      assert.deepEqual(
        all.slice(2).map((x) => x.id),
        [e[2]!.id, e[1]!.id, e[0]!.id],
      );
      assert.deepEqual(new Set(all.slice(0, 2).map((x) => x.id)), new Set([e[3]!.id, e[4]!.id]));
      assert.deepEqual(await ids({ actorId: 'alice' }), [e[3]!.id, e[2]!.id, e[0]!.id]);
      assert.deepEqual(await ids({ action: 'app.create' }), [e[1]!.id, e[0]!.id]);
      assert.deepEqual(await ids({ target: 'app:web' }), [e[2]!.id, e[0]!.id]);
      assert.deepEqual(await ids({ before: T0 + 3 }), [e[1]!.id, e[0]!.id]);
      assert.deepEqual(await ids({ actorId: 'alice', target: 'app:web', before: T0 + 3 }), [e[0]!.id]);
      assert.deepEqual(await ids({ actorId: 'alice', limit: 2 }), [e[3]!.id, e[2]!.id]);
      assert.deepEqual(await ids({ actorId: 'nobody' }), []);
      assert.deepEqual(await ids({ limit: 0 }), []);
      assert.deepEqual(
        all.find((x) => x.id === e[4]!.id),
        e[4],
      );
      assert.deepEqual(
        all.find((x) => x.id === e[3]!.id),
        e[3],
      );
    });

    it('orders events of the same millisecond by when they were recorded', async () => {
      const s = ctx.store();
      const first = newAudit(T0, { action: 'first' });
      const second = newAudit(T0, { action: 'second' });
      await s.audit.append(first);
      await s.audit.append(second);
      assert.deepEqual(
        (await s.audit.query({})).map((x) => x.action),
        ['second', 'first'],
      );
    });
  });
}

export function settingsSuite(ctx: Ctx): void {
  describe('settings', () => {
    it('round-trips values of any JSON type and overwrites', async () => {
      const s = ctx.store();
      assert.equal(await s.settings.get('missing'), null);
      const values: [string, unknown][] = [
        ['registration.open', false],
        ['quota', 42],
        ['ratio', 0.25],
        ['name', 'Déploiement "test"\n'],
        ['list', ['a', 1, null, { b: true }]],
        ['object', { nested: { deep: [1, 2, 3] }, empty: {}, nothing: null }],
      ];
      for (const [k, v] of values) await s.settings.set(k, v);
      for (const [k, v] of values) assert.deepEqual(await s.settings.get(k), v, k);
      await s.settings.set('quota', 7);
      assert.equal(await s.settings.get<number>('quota'), 7);
    });
  });
}
