// The services `deployflow up` starts, in start order; each can also start alone. git needs
// control's store and deploy pipeline: in one process it shares control's, alone it opens its own.
import type { Config } from '../common/config/config.js';
import type { Logger } from '../common/log/logger.js';
import type { RunningService } from '../common/service.js';
import { startControl } from '../control/index.js';
import { gitAccess } from '../control/git-bridge/access.js';
import { pushHandler } from '../control/git-bridge/push.js';
import { buildControlDeps } from '../control/server/build-deps.js';
import type { ControlDeps } from '../control/server/deps.js';
import { startDns } from '../dns/index.js';
import { startGateway } from '../gateway/index.js';
import { startGitService } from '../git/index.js';

export const SERVICE_NAMES = ['control', 'git', 'gateway', 'dns'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** The port variables each service's addresses stand for, in the order of its `addresses`. */
export const PORT_VARIABLES: Readonly<Record<ServiceName, readonly string[]>> = {
  control: ['CONTROL_PORT'],
  git: ['GIT_HTTP_PORT', 'GIT_SSH_PORT'],
  gateway: ['GATEWAY_HTTP_PORT', 'GATEWAY_HTTPS_PORT'],
  dns: ['DNS_PORT'],
};

/** gateway and dns follow the route table in Redis; without REDIS_URL `up` runs without them. */
export const NEEDS_REDIS: ReadonlySet<ServiceName> = new Set(['gateway', 'dns']);

export async function startService(
  name: ServiceName,
  config: Config,
  log: Logger,
  shared: { control?: ControlDeps },
): Promise<RunningService> {
  switch (name) {
    case 'control': {
      const running = await startControl(config, log);
      shared.control = running.deps;
      return running;
    }
    case 'git': {
      const own = shared.control ? null : await buildControlDeps(config, log);
      const deps = shared.control ?? own!;
      // Pushes to an app need no turns of their own here: their deploys switch in push order
      // through the pipeline's turns (shared through Redis when there is one).
      const git = await startGitService({ config, log, access: gitAccess(deps), onPush: pushHandler(deps) });
      return {
        ...git,
        stop: async () => {
          await git.stop();
          if (own) await own.store.close();
        },
      };
    }
    case 'gateway':
      return startGateway(config, log);
    case 'dns':
      return startDns(config, log);
  }
}
