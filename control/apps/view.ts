import type { Config } from '../../common/config/config.js';
import type { App } from '../store/types.js';
import { appUrl, gitUrls } from './urls.js';
import { viewPluginChain } from '../../common/plugins/index.js';

/** What the API shows of an app: never the webhook secret (that has its own owner-only route). */
export function appView(config: Config, app: App): Record<string, unknown> {
  return {
    name: app.name,
    url: appUrl(config, app.name),
    gitUrls: gitUrls(config, app.name),
    ownerId: app.ownerId,
    ownerKind: app.ownerKind,
    collaboratorIds: app.collaboratorIds,
    replicas: app.replicas,
    limits: app.limits,
    healthcheck: app.healthcheck,
    port: app.port,
    domains: app.domains,
    volumes: app.volumes,
    deployBranch: app.deployBranch,
    scaleToZero: app.scaleToZero,
    autoscale: app.autoscale,
    plugins: viewPluginChain(app.plugins),
    balance: app.balance,
    httpsRedirect: app.httpsRedirect,
    createdAt: app.createdAt,
    updatedAt: app.updatedAt,
  };
}
