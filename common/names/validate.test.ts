import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeployFlowError } from '../errors/catalogue.js';
import { parseAppName, parseContainerPath, parseDomain, parseEnvKey, parseGitRef } from './validate.js';

function code(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    return isDeployFlowError(err) ? err.code : 'not a DeployFlowError';
  }
}

describe('name validator', () => {
  it('accepts DNS-label app names and rejects, never strips, anything else', () => {
    for (const ok of ['ab', 'shop', 'my-app-2', 'a'.repeat(63)]) assert.equal(parseAppName(ok), ok);
    for (const bad of [
      'a',
      'A',
      'ab-',
      '-ab',
      '1ab',
      'a_b',
      'a b',
      ' ab',
      'ab ',
      'a'.repeat(64),
      'ab\n',
      'xn--ab',
      'ab.c',
      'ab/../c',
      'ÿab',
    ]) {
      assert.equal(
        code(() => parseAppName(bad)),
        'DF_ERR_INVALID_APP_NAME',
        JSON.stringify(bad),
      );
    }
    for (const reserved of ['www', 'api', 'git', 'admin', 'localhost'])
      assert.equal(
        code(() => parseAppName(reserved)),
        'DF_ERR_RESERVED_NAME',
      );
    assert.equal(
      code(() => parseAppName(42)),
      'DF_ERR_INVALID_APP_NAME',
    );
  });

  it('accepts shell-style env keys only', () => {
    for (const ok of ['A', '_', 'DATABASE_URL', 'a1_b2']) assert.equal(parseEnvKey(ok), ok);
    for (const bad of ['', '1A', 'A-B', 'A B', 'A=B', 'É', '__proto__', 'A'.repeat(256)]) {
      assert.equal(
        code(() => parseEnvKey(bad)),
        'DF_ERR_INVALID_ENV_KEY',
        JSON.stringify(bad),
      );
    }
  });

  it('accepts host names, case-insensitively, and nothing else', () => {
    assert.equal(parseDomain('Example.COM'), 'example.com');
    assert.equal(parseDomain('a.b-c.example.org'), 'a.b-c.example.org');
    for (const bad of [
      'localhost',
      'example.com.',
      '*.example.com',
      'exa mple.com',
      'example.com:80',
      '1.2.3.4',
      '-a.com',
      'a-.com',
      'a..com',
      `${'a'.repeat(64)}.com`,
      'ex_ample.com',
      'https://x.com',
    ]) {
      assert.equal(
        code(() => parseDomain(bad)),
        'DF_ERR_INVALID_DOMAIN',
        bad,
      );
    }
  });

  it('accepts git refs that git itself would and refuses option-like or odd ones', () => {
    for (const ok of ['main', 'refs/heads/main', 'feature/x-1', 'v1.2.3']) assert.equal(parseGitRef(ok), ok);
    for (const bad of [
      '-x',
      '--upload-pack=evil',
      'a..b',
      'a b',
      'a~1',
      'a^',
      'a:b',
      'a?',
      'a*',
      'a[',
      'a\\b',
      'a.lock',
      'a/',
      '/a',
      'a//b',
      '@',
      'a@{1}',
      '.hidden',
      'a/.b',
      '',
    ]) {
      assert.equal(
        code(() => parseGitRef(bad)),
        'DF_ERR_INVALID_REF',
        JSON.stringify(bad),
      );
    }
  });

  it('accepts container mount paths but not traversal or system folders', () => {
    assert.equal(parseContainerPath('/data'), '/data');
    assert.equal(parseContainerPath('/var/lib/app'), '/var/lib/app');
    // `/data/` and `//data` would be a second spelling of `/data`: Docker refuses both mounts.
    for (const bad of ['data', '/', '/a/../etc', '/etc', '/proc/x', '/a b', '/a/./b', '/data/', '//data', '/a//b'])
      assert.equal(
        code(() => parseContainerPath(bad)),
        'DF_ERR_INVALID_PATH',
        bad,
      );
  });
});
