// Every room join asks the same question as the REST API (control/apps/access.ts): someone who
// may not view the app gets "not found", exactly as GET /apps/:name or /deployments/:id would say.
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { assertCan } from '../apps/access.js';
import type { ControlDeps } from '../server/deps.js';
import type { Deployment, User } from '../store/types.js';
import type { Subscription } from './rooms.js';

/** Resolves the subscription's app (and deployment) if `user` may view it; throws otherwise. */
export async function authorizeSubscription(deps: ControlDeps, user: User, sub: Subscription): Promise<{ app: string; deployment: Deployment | null }> {
  if (sub.kind === 'app') {
    assertCan(user, await deps.store.apps.get(sub.app), 'view');
    return { app: sub.app, deployment: null };
  }
  const deployment = await deps.store.deployments.get(sub.deploymentId);
  if (!deployment) throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No such deployment');
  try {
    assertCan(user, await deps.store.apps.get(deployment.app), 'view');
  } catch {
    throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No such deployment');
  }
  return { app: deployment.app, deployment };
}

/** The wire shape of a refusal, mapped once here like the HTTP edge does. */
export function ackError(err: unknown): { ok: false; error: { code: string; message: string } } {
  if (err instanceof DeployFlowError) return { ok: false, error: { code: err.code, message: err.message } };
  return { ok: false, error: { code: 'DF_ERR_INTERNAL', message: 'Internal error' } };
}
