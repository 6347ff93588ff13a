// The repository's docker-compose.yml as docker-compose resolves it (`config`: no container
// runs): the settings of the services that deploy — control, and git, which deploys pushes —
// reach both, so an operator who sets DEPLOYFLOW_RUNTIME and DEPLOYFLOW_REGISTRY in .env gets
// them in every deployer, and the defaults hold when .env leaves them out.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { compose, COMPOSE_FILE } from './support/compose.js';

// Every secret the file insists on, as .env would give them (never used: nothing starts).
const SECRETS = {
  DEPLOYFLOW_JWT_SECRET: randomBytes(32).toString('hex'),
  DEPLOYFLOW_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
  REDIS_PASSWORD: randomBytes(24).toString('hex'),
  MONGO_PASSWORD: randomBytes(24).toString('hex'),
  DOCKER_GID: '999',
};

async function resolved(env: Record<string, string>): Promise<Record<string, { environment?: Record<string, string> }>> {
  // Unset in the environment the test runs in, whatever it holds: only `env` speaks.
  const clean = { DEPLOYFLOW_RUNTIME: '', DEPLOYFLOW_REGISTRY: '', ...SECRETS, ...env };
  const run = await compose(['config'], { file: COMPOSE_FILE, project: `dfcfg${randomBytes(3).toString('hex')}`, env: clean });
  assert.equal(run.code, 0, run.stderr);
  return (YAML.parse(run.stdout) as { services: Record<string, { environment?: Record<string, string> }> }).services;
}

describe('compose stack settings', () => {
  it('passes DEPLOYFLOW_RUNTIME and DEPLOYFLOW_REGISTRY to control and git', async () => {
    const services = await resolved({ DEPLOYFLOW_RUNTIME: 'swarm', DEPLOYFLOW_REGISTRY: 'registry.internal:5000' });
    for (const name of ['control', 'git']) {
      assert.equal(services[name]?.environment?.DEPLOYFLOW_RUNTIME, 'swarm', name);
      assert.equal(services[name]?.environment?.DEPLOYFLOW_REGISTRY, 'registry.internal:5000', name);
    }
  });

  it('runs apps on this engine when .env says nothing', async () => {
    const services = await resolved({});
    for (const name of ['control', 'git']) {
      assert.equal(services[name]?.environment?.DEPLOYFLOW_RUNTIME, 'docker', name);
      // Empty is unset for DeployFlow: no registry, apps stay on the manager node.
      assert.equal(services[name]?.environment?.DEPLOYFLOW_REGISTRY ?? '', '', name);
    }
  });
});
