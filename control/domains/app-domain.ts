// What every route on one of an app's custom domains starts with: the app (the caller may
// operate it), the domain from the path or body (validated, audited), and the refusal when the
// app does not have it; plus the Redis that certificates live in.
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { parseDomain, type Domain } from '../../common/names/validate.js';
import type { AuthedContext } from '../api/route.js';
import { loadApp } from '../apps/load.js';
import type { ControlDeps } from '../server/deps.js';
import type { App } from '../store/types.js';

export async function loadAppDomain(
  ctx: AuthedContext<unknown, unknown>,
  raw: unknown = ctx.params.domain,
): Promise<{ app: App; domain: Domain }> {
  const app = await loadApp(ctx, 'operate');
  const domain = parseDomain(raw);
  ctx.audit.details = { domain };
  if (!app.domains.includes(domain)) throw new DeployFlowError('DF_ERR_NOT_FOUND', 'That domain is not routed to this app');
  return { app, domain };
}

export function certificateRedis(deps: ControlDeps): NonNullable<ControlDeps['redis']> {
  if (!deps.redis) throw new DeployFlowError('DF_ERR_UNAVAILABLE', 'Certificates live with the route table: REDIS_URL is not set');
  return deps.redis;
}
