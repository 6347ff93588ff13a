import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { ApiToken, SshKey } from '../types.js';
import { rejectsWith, T0, type Ctx } from './fixtures.js';

const apiToken = (userId: string, over: Partial<ApiToken> = {}): ApiToken => ({
  id: randomUUID(),
  userId,
  name: 'ci',
  tokenHash: randomUUID().replaceAll('-', ''),
  createdAt: T0,
  lastUsedAt: null,
  ...over,
});

export function apiTokenSuite(ctx: Ctx): void {
  describe('API tokens', () => {
    it('finds tokens by hash and lists them per user', async () => {
      const s = ctx.store();
      const a = await s.apiTokens.create(apiToken('alice', { name: 'laptop' }));
      const b = await s.apiTokens.create(apiToken('alice', { name: 'ci', createdAt: T0 + 1 }));
      await s.apiTokens.create(apiToken('bob'));
      assert.deepEqual(await s.apiTokens.getByHash(a.tokenHash), a);
      assert.equal(await s.apiTokens.getByHash('unknown'), null);
      assert.deepEqual((await s.apiTokens.listForUser('alice')).map((t) => t.id).sort(), [a.id, b.id].sort());
      assert.deepEqual(await s.apiTokens.listForUser('nobody'), []);
      await rejectsWith(s.apiTokens.create(apiToken('bob', { tokenHash: a.tokenHash })), 'DF_ERR_CONFLICT');
    });

    it('lets only the token’s own user revoke it', async () => {
      const s = ctx.store();
      const t = await s.apiTokens.create(apiToken('alice'));
      assert.equal(await s.apiTokens.revoke(t.id, 'mallory'), false);
      assert.deepEqual(await s.apiTokens.getByHash(t.tokenHash), t);
      assert.equal(await s.apiTokens.revoke(t.id, 'alice'), true);
      assert.equal(await s.apiTokens.getByHash(t.tokenHash), null);
      assert.deepEqual(await s.apiTokens.listForUser('alice'), []);
      assert.equal(await s.apiTokens.revoke(t.id, 'alice'), false);
    });

    it('records when a token was last used', async () => {
      const s = ctx.store();
      const t = await s.apiTokens.create(apiToken('alice'));
      await s.apiTokens.touch(t.id, T0 + 500);
      assert.equal((await s.apiTokens.getByHash(t.tokenHash))?.lastUsedAt, T0 + 500);
    });
  });
}

const sshKey = (userId: string, fingerprint: string, over: Partial<SshKey> = {}): SshKey => ({
  id: randomUUID(),
  userId,
  name: 'laptop',
  publicKey: `ssh-ed25519 AAAAC3Nz${fingerprint} me@laptop`,
  fingerprint,
  createdAt: T0,
  ...over,
});

export function sshKeySuite(ctx: Ctx): void {
  describe('SSH keys', () => {
    it('finds keys by fingerprint, lists them per user and refuses a key registered twice', async () => {
      const s = ctx.store();
      const a = await s.sshKeys.create(sshKey('alice', 'SHA256:aaa'));
      const b = await s.sshKeys.create(sshKey('alice', 'SHA256:bbb', { createdAt: T0 + 1 }));
      await s.sshKeys.create(sshKey('bob', 'SHA256:ccc'));
      assert.deepEqual(await s.sshKeys.getByFingerprint('SHA256:aaa'), a);
      assert.equal(await s.sshKeys.getByFingerprint('SHA256:zzz'), null);
      assert.deepEqual((await s.sshKeys.listForUser('alice')).map((k) => k.id).sort(), [a.id, b.id].sort());
      await rejectsWith(s.sshKeys.create(sshKey('bob', 'SHA256:aaa')), 'DF_ERR_CONFLICT');
      assert.equal((await s.sshKeys.getByFingerprint('SHA256:aaa'))?.userId, 'alice');
    });

    it('lets only the key’s own user delete it', async () => {
      const s = ctx.store();
      const k = await s.sshKeys.create(sshKey('alice', 'SHA256:aaa'));
      assert.equal(await s.sshKeys.delete(k.id, 'mallory'), false);
      assert.deepEqual(await s.sshKeys.getByFingerprint('SHA256:aaa'), k);
      assert.equal(await s.sshKeys.delete(k.id, 'alice'), true);
      assert.equal(await s.sshKeys.getByFingerprint('SHA256:aaa'), null);
      assert.equal(await s.sshKeys.delete(k.id, 'alice'), false);
    });
  });
}
