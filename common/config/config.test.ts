import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

function failure(env: Record<string, string>): string {
  try {
    loadConfig(env);
    return 'no error';
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.message;
  }
}

describe('config', () => {
  it('has the contract defaults', () => {
    const c = loadConfig({});
    assert.equal(c.domain, 'paas.local');
    assert.equal(c.controlPort, 5000);
    assert.equal(c.gatewayHttpPort, 80);
    assert.equal(c.gatewayHttpsPort, 443);
    assert.equal(c.gitSshPort, 2222);
    assert.equal(c.mongodbUrl, undefined);
    assert.equal(c.google, undefined);
    assert.match(c.dataDir, /\/data$/);
    assert.equal(c.builder, 'buildkit');
    assert.equal(c.buildCacheMb, 10_240);
    assert.equal(c.build.concurrency, 2);
    assert.equal(loadConfig({ DEPLOYFLOW_BUILDER: 'legacy' }).builder, 'legacy');
    assert.deepEqual(c.acme, { directoryUrl: 'https://acme-v02.api.letsencrypt.org/directory', email: undefined, caFile: undefined });
  });

  it('names the bad variable in one line', () => {
    assert.equal(failure({ CONTROL_PORT: '99999' }), 'DF_ERR_CONFIG: CONTROL_PORT must be a port number 0-65535, got "99999"');
    assert.match(failure({ DEPLOYFLOW_DOMAIN: 'no_underscores.com' }), /^DF_ERR_CONFIG: DEPLOYFLOW_DOMAIN /);
    assert.match(failure({ REDIS_URL: 'http://x' }), /^DF_ERR_CONFIG: REDIS_URL must use redis:/);
    assert.match(failure({ MONGODB_URL: 'not a url' }), /^DF_ERR_CONFIG: MONGODB_URL /);
    assert.match(failure({ GOOGLE_CLIENT_ID: 'x' }), /^DF_ERR_CONFIG: GOOGLE_CLIENT_SECRET /);
    assert.match(failure({ DEPLOYFLOW_ENCRYPTION_KEY: 'short' }), /^DF_ERR_CONFIG: DEPLOYFLOW_ENCRYPTION_KEY /);
    assert.match(failure({ DEPLOYFLOW_IMAGE_NODE: 'Bad Image' }), /^DF_ERR_CONFIG: DEPLOYFLOW_IMAGE_NODE /);
    assert.match(
      failure({ DEPLOYFLOW_ACME_DIRECTORY: 'http://ca.example/dir' }),
      /^DF_ERR_CONFIG: DEPLOYFLOW_ACME_DIRECTORY must use https:/,
    );
    assert.match(failure({ DEPLOYFLOW_ACME_EMAIL: 'not an address' }), /^DF_ERR_CONFIG: DEPLOYFLOW_ACME_EMAIL /);
    assert.equal(
      failure({ DEPLOYFLOW_BUILDER: 'kaniko' }),
      'DF_ERR_CONFIG: DEPLOYFLOW_BUILDER must be "buildkit" or "legacy", got "kaniko"',
    );
    assert.equal(failure({ DEPLOYFLOW_BUILD_CONCURRENCY: '0' }), 'DF_ERR_CONFIG: DEPLOYFLOW_BUILD_CONCURRENCY must be at least 1, got 0');
    for (const message of [failure({ DNS_PORT: '-1' }), failure({ DEPLOYFLOW_BIND: 'any' })]) assert.equal(message.split('\n').length, 1);
  });

  it('turns Google login on with both credentials and overridable endpoints', () => {
    const c = loadConfig({
      GOOGLE_CLIENT_ID: 'id',
      GOOGLE_CLIENT_SECRET: 's',
      GOOGLE_AUTH_URL: 'http://127.0.0.1:9/auth',
      DEPLOYFLOW_PUBLIC_URL: 'http://127.0.0.1:5000/',
    });
    assert.equal(c.google?.authorizationURL, 'http://127.0.0.1:9/auth');
    assert.equal(c.google?.callbackURL, 'http://127.0.0.1:5000/api/v1/auth/google/callback');
    assert.equal(loadConfig({ GATEWAY_HTTP_PORT: '8080' }).publicUrl, 'http://paas.local:8080');
    assert.equal(loadConfig({}).publicUrl, 'http://paas.local');
  });
});
