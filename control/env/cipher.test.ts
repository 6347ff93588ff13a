import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { isDeployFlowError } from '../../common/errors/catalogue.js';
import { EnvCipher } from './cipher.js';

describe('env cipher', () => {
  const cipher = new EnvCipher(randomBytes(32));
  it('round-trips any string and never repeats a ciphertext', () => {
    const value = 'multi\nline "quoted" $(x) ✓';
    const a = cipher.encrypt('app', 'K', value);
    assert.equal(cipher.decrypt('app', 'K', a), value);
    assert.notEqual(cipher.encrypt('app', 'K', value), a);
    assert.ok(!a.includes('multi'));
  });
  it('refuses a ciphertext moved to another app or key, tampered, or under another key', () => {
    const stored = cipher.encrypt('app', 'K', 'secret');
    const tampered = stored.slice(0, -2) + (stored.endsWith('A') ? 'BB' : 'AA');
    for (const attempt of [
      () => cipher.decrypt('other', 'K', stored),
      () => cipher.decrypt('app', 'J', stored),
      () => cipher.decrypt('app', 'K', tampered),
      () => new EnvCipher(randomBytes(32)).decrypt('app', 'K', stored),
      () => cipher.decrypt('app', 'K', 'plain text'),
    ]) {
      assert.throws(attempt, (err) => isDeployFlowError(err) && err.code === 'DF_ERR_DECRYPT_FAILED');
    }
  });
  it('refuses a value whose authentication tag is cut short', () => {
    const [version, iv, tag, body] = cipher.encrypt('app', 'K', 'secret').split(':');
    // GCM accepts tags down to 4 bytes unless told the length: a 4-byte tag is 2^32 guesses.
    for (const bytes of [4, 12, 15]) {
      const short = [version, iv, Buffer.from(tag!, 'base64').subarray(0, bytes).toString('base64'), body].join(':');
      assert.throws(
        () => cipher.decrypt('app', 'K', short),
        (err) => isDeployFlowError(err) && err.code === 'DF_ERR_DECRYPT_FAILED',
        `${bytes}-byte tag`,
      );
    }
  });
});
