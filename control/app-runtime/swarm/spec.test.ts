import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type Docker from 'dockerode';
import { validateRelease, type ReleaseSpec } from '../../../builder/index.js';
import { createLogger } from '../../../common/log/logger.js';
import { splitDetails } from './logs.js';
import { registryRef } from './registry.js';
import { serviceOptions, type ServiceInfo, type SwarmContext } from './service.js';
import { HEALTH_SCRIPT, networkSpec, serviceName, serviceSpec, SWARM_NETWORK } from './spec.js';
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
      RestartPolicy: { Condition: string; Delay: number; MaxAttempts: number };
      Networks: Array<{ Target: string; Aliases: string[] }>;
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

  it('restarts a task whatever ended it (any), a second apart, with no cap on attempts', () => {
    assert.deepEqual(spec.TaskTemplate.RestartPolicy, { Condition: 'any', Delay: 1e9, MaxAttempts: 0 });
  });

  it("joins the private overlay network deployflow-apps under the app's name", () => {
    assert.equal(SWARM_NETWORK, 'deployflow-apps');
    assert.deepEqual(spec.TaskTemplate.Networks, [{ Target: 'deployflow-apps', Aliases: ['shop'] }]);
    const net = networkSpec() as { Name: string; Driver: string; Attachable: boolean };
    assert.deepEqual([net.Name, net.Driver, net.Attachable], ['deployflow-apps', 'overlay', false], 'an overlay nothing else attaches to');
  });

  it("passes the app's env values to the task as they are, beside PORT", () => {
    assert.deepEqual(spec.TaskTemplate.ContainerSpec.Env.slice(0, 2), ['GREETING=hi; rm -rf /', 'PORT=8080']);
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

describe('swarm placement (serviceOptions, then the spec it builds)', () => {
  const context = (registry: string | null): SwarmContext => ({
    // serviceOptions decides from the options and the existing service alone: no engine is asked.
    docker: {} as Docker,
    options: { managerNodeId: 'mgr-1', registry, log: createLogger('test', 'silent') },
    pollMs: 10,
  });
  const base: ReleaseSpec = {
    app: 'shop',
    deploymentId: 'd-1',
    image: 'deployflow/shop:d-1',
    replicas: 2,
    env: {},
    limits: { memoryMb: 128, cpus: 0.5 },
    healthcheck: { path: '/health' },
    port: 8080,
  };
  const constraints = (registry: string | null, spec: ReleaseSpec, existing: ServiceInfo | null = null): string[] => {
    const r = validateRelease(spec);
    const built = serviceSpec(r, serviceOptions(context(registry), r, 10_000, 10, existing)) as unknown as {
      TaskTemplate: { Placement: { Constraints: string[] } };
    };
    return built.TaskTemplate.Placement.Constraints;
  };

  it('pins every task to the manager without a registry (the image is there only)', () => {
    assert.deepEqual(constraints(null, base), ['node.id==mgr-1']);
  });

  it('places tasks on any node when a registry carries the image', () => {
    assert.deepEqual(constraints('reg.local:5000', base), []);
  });

  it('pins an app with a volume to the manager even when a registry is set (a volume lives on one node)', () => {
    assert.deepEqual(constraints('reg.local:5000', { ...base, volumes: [{ name: 'data', path: '/data' }] }), ['node.id==mgr-1']);
  });

  it("keeps an existing service's pin", () => {
    const existing = {
      ID: 's1',
      Version: { Index: 3 },
      Spec: { TaskTemplate: { Placement: { Constraints: ['node.id==old-node'] } } },
    } as unknown as ServiceInfo;
    assert.deepEqual(constraints('reg.local:5000', base, existing), ['node.id==old-node']);
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
