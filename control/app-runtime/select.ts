// Picks the app runtime at start from DEPLOYFLOW_RUNTIME: `docker` (default), `swarm`, or `auto`
// (swarm when the engine is a Swarm manager). Asking for swarm on an engine that is not a manager
// stops the start with one line. Without DEPLOYFLOW_REGISTRY the start says that apps stay on
// this manager node (its images exist nowhere else).
import type Docker from 'dockerode';
import { ConfigError, type Config } from '../../common/config/config.js';
import type { Logger } from '../../common/log/logger.js';
import { DockerRuntime } from './docker.js';
import type { AppRuntime } from './runtime.js';
import { SwarmRuntime } from './swarm/runtime.js';

interface SwarmInfo {
  manager: boolean;
  state: string;
  nodeId: string;
  nodes: number;
}

async function swarmInfo(docker: Docker): Promise<SwarmInfo> {
  const info = (await docker.info()) as {
    Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean; NodeID?: string; Nodes?: number };
  };
  const s = info.Swarm ?? {};
  return { manager: s.ControlAvailable === true, state: s.LocalNodeState ?? 'inactive', nodeId: s.NodeID ?? '', nodes: s.Nodes ?? 0 };
}

export async function selectRuntime(docker: Docker, config: Pick<Config, 'runtime' | 'registry'>, log: Logger): Promise<AppRuntime> {
  if (config.runtime === 'docker') return new DockerRuntime(docker);
  const swarm = await swarmInfo(docker).catch(() => null);
  if (!swarm?.manager) {
    if (config.runtime === 'auto') return new DockerRuntime(docker);
    const why = swarm ? `its Swarm state is "${swarm.state}"${swarm.state === 'active' ? ' (a worker)' : ''}` : 'it does not answer';
    throw new ConfigError(
      'DEPLOYFLOW_RUNTIME',
      `is "swarm" but the Docker Engine is not a Swarm manager: ${why} (run docker swarm init, or set DEPLOYFLOW_RUNTIME=docker)`,
    );
  }
  if (config.registry) {
    log.info(
      { registry: config.registry, nodes: swarm.nodes },
      'swarm runtime: images are pushed to DEPLOYFLOW_REGISTRY so every node can run them',
    );
  } else {
    log.warn({ nodes: swarm.nodes }, 'swarm runtime: DEPLOYFLOW_REGISTRY is not set, so apps run on this manager node only (single-node)');
  }
  return new SwarmRuntime(docker, { managerNodeId: swarm.nodeId, registry: config.registry ?? null, log });
}
