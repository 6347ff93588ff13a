// Every room join asks the same question as the REST API (control/apps/access.ts): someone who
// may not view the app gets "not found", exactly as GET /apps/:name or /deployments/:id would say.
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { assertCan, teamRoleOn } from '../apps/access.js';
import type { ControlDeps } from '../server/deps.js';
import type { App, Deployment, TeamRole, User } from '../store/types.js';
import type { Subscription } from './rooms.js';

/** Resolves the subscription's app (and deployment) if `user` may view it; throws otherwise. */
export async function authorizeSubscription(
  deps: ControlDeps,
  user: User,
  sub: Subscription,
): Promise<{ app: string; deployment: Deployment | null }> {
  if (sub.kind === 'app') {
    const app = await deps.store.apps.get(sub.app);
    assertMayWatch(user, app, sub, await teamRoleOn(deps.store, user, app));
    return { app: sub.app, deployment: null };
  }
  const deployment = await deps.store.deployments.get(sub.deploymentId);
  if (!deployment) throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No such deployment');
  const app = await deps.store.apps.get(deployment.app);
  assertMayWatch(user, app, sub, await teamRoleOn(deps.store, user, app));
  return { app: deployment.app, deployment };
}

/**
 * The app half of the question, given the app as it is now (null once deleted): throws what a
 * subscribe would answer. The rooms a socket already joined are checked again with it
 * (server.ts), since a collaborator or team member may be removed and an app deleted or
 * transferred at any time. `teamRole`: the user's role in the team that owns the app.
 */
export function assertMayWatch(user: User, app: App | null, sub: Subscription, teamRole: TeamRole | null = null): void {
  try {
    assertCan(user, app, 'view', teamRole);
  } catch (err) {
    if (sub.kind === 'deployment') throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No such deployment');
    throw err;
  }
}

/** The wire shape of a refusal, mapped once here like the HTTP edge does. */
export function ackError(err: unknown): { ok: false; error: { code: string; message: string } } {
  if (err instanceof DeployFlowError) return { ok: false, error: { code: err.code, message: err.message } };
  return { ok: false, error: { code: 'DF_ERR_INTERNAL', message: 'Internal error' } };
}
