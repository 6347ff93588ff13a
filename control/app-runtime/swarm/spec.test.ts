import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateRelease } from '../../../builder/index.js';
import { splitDetails } from './logs.js';
import { registryRef } from './registry.js';
import { HEALTH_SCRIPT, serviceName, serviceSpec } from './spec.js';
import { taskReplicas, upstreamsOfReplicas, type SwarmTask } from './tasks.js';

const release = validateRelease({
  app: 'shop',
  deploymentId: 'd-1',
  image: 'deployflow/shop:d-1',
  replicas: 2,
  env: { GREETING: 'hi; rm -rf /' },
  limits: { memoryMb: 128, cpus: 0.5 },
  healthcheck: { path: '/health?a=$(id)' },
  port: 8080,
  volumes: [{ name: 'data', path: '/data' }],
  labels: { 'deployflow.instance': 'i-1' },
});

describe('swarm service spec', () => {
  const spec = serviceSpec(release, {
    constraints: ['node.id==n1'],
    healthTimeoutMs: 10_000,
    monitorMs: 2000,
    stopGraceSeconds: 10,
  }) as unknown as {
    Name: string;
    Labels: Record<string, string>;
    TaskTemplate: {
      ContainerSpec: {
        Env: string[];
        Healthcheck: { Test: string[]; StartPeriod: number };
        CapabilityDrop: string[];
        Mounts: Array<{ Source: string }>;
      };
      Resources: { Limits: { MemoryBytes: number; NanoCPUs: number; Pids: number }; Reservations: { MemoryBytes: number } };
      Placement: { Constraints: string[] };
    };
    Mode: { Replicated: { Replicas: number } };
    UpdateConfig: { Order: string; FailureAction: string; Parallelism: number };
    EndpointSpec: { Ports: Array<{ PublishMode: string; TargetPort: number; PublishedPort?: number }> };
  };

  it('is one replicated service per app, rolling start-first and back on failure, on host-mode ports', () => {
    assert.equal(spec.Name, serviceName('shop'));
    assert.equal(spec.Mode.Replicated.Replicas, 2);
    assert.deepEqual(
      [spec.UpdateConfig.Order, spec.UpdateConfig.FailureAction, spec.UpdateConfig.Parallelism],
      ['start-first', 'rollback', 1],
    );
    assert.deepEqual(
      spec.EndpointSpec.Ports,
      [{ Protocol: 'tcp', TargetPort: 8080, PublishMode: 'host' }],
      'no fixed published port: one per task',
    );
    assert.deepEqual(spec.TaskTemplate.Placement.Constraints, ['node.id==n1']);
    assert.equal(spec.TaskTemplate.Resources.Limits.MemoryBytes, 128 * 1024 * 1024);
    assert.equal(spec.TaskTemplate.Resources.Reservations.MemoryBytes, 32 * 1024 * 1024);
    assert.deepEqual(spec.TaskTemplate.ContainerSpec.CapabilityDrop, ['ALL']);
    assert.equal(spec.TaskTemplate.ContainerSpec.Mounts[0]?.Source, 'deployflow.shop.data');
    assert.equal(spec.Labels['deployflow.instance'], 'i-1');
  });

  it('defines the health check from the health path without splicing the path into the shell', () => {
    const hc = spec.TaskTemplate.ContainerSpec.Healthcheck;
    assert.deepEqual(hc.Test, ['CMD-SHELL', HEALTH_SCRIPT]);
    assert.ok(!HEALTH_SCRIPT.includes('$(id)'));
    assert.ok(spec.TaskTemplate.ContainerSpec.Env.includes('DEPLOYFLOW_HEALTH_PATH=/health?a=$(id)'));
    assert.ok(spec.TaskTemplate.ContainerSpec.Env.includes('PORT=8080'));
    assert.equal(hc.StartPeriod, 10 * 1e9);
  });
});

describe('swarm tasks, logs and registry names', () => {
  it("turns running tasks into upstreams on their node's address", () => {
    const task = (id: string, slot: number, node: string, state: string, port: number): SwarmTask => ({
      ID: id,
      Slot: slot,
      NodeID: node,
      Spec: { ContainerSpec: { Image: 'img', Labels: { 'deployflow.deployment': 'd-1', 'deployflow.port': '8080' } } },
      Status: { State: state, PortStatus: { Ports: [{ TargetPort: 8080, PublishedPort: port, PublishMode: 'host' }] } },
    });
    const nodes = new Map([
      ['n1', { addr: '127.0.0.1' }],
      ['n2', { addr: '10.9.0.2' }],
    ]);
    const replicas = taskReplicas(
      'shop',
      [task('b', 2, 'n2', 'running', 30002), task('a', 1, 'n1', 'running', 30001), task('c', 3, 'n1', 'starting', 30003)],
      nodes,
    );
    assert.deepEqual(
      replicas.map((r) => [r.name, r.running, r.host, r.hostPort]),
      [
        ['shop.1', true, '127.0.0.1', 30001],
        ['shop.2', true, '10.9.0.2', 30002],
        ['shop.3', false, '127.0.0.1', undefined],
      ],
    );
    assert.deepEqual(upstreamsOfReplicas(replicas, 'd-1'), [
      { host: '10.9.0.2', port: 30002 },
      { host: '127.0.0.1', port: 30001 },
    ]);
    assert.deepEqual(upstreamsOfReplicas(replicas, 'other'), []);
  });

  it("reads the task from a service log line's details", () => {
    assert.deepEqual(splitDetails('com.docker.swarm.node.id=n1,com.docker.swarm.service.id=s1,com.docker.swarm.task.id=t1 hello world'), {
      task: 't1',
      text: 'hello world',
    });
    assert.deepEqual(splitDetails('plain line'), { task: null, text: 'plain line' });
  });

  it('puts images under the registry once', () => {
    assert.equal(registryRef('deployflow/shop:d-1', 'reg.local:5000'), 'reg.local:5000/deployflow/shop:d-1');
    assert.equal(registryRef('reg.local:5000/deployflow/shop:d-1', 'reg.local:5000'), 'reg.local:5000/deployflow/shop:d-1');
  });
});
