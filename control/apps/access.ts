// Who may do what to an app. Pure functions over (user, app) so every rule is unit-tested and
// every route asks the same question. Someone who may not even see an app gets 404, so app
// names of other users do not leak; someone who may see it but not change it gets 403.
import { DeployFlowError } from '../../common/errors/catalogue.js';
import type { App, User } from '../store/types.js';

export type AppAction =
  | 'view' // read the app, its deployments, logs, metrics
  | 'operate' // deploy, patch settings, env, scale, restart, domains
  | 'reveal' // read env values in clear
  | 'administer'; // delete, manage collaborators, see the webhook secret

export function relation(user: User, app: App): 'admin' | 'owner' | 'collaborator' | 'none' {
  if (user.role === 'admin') return 'admin';
  if (app.ownerId === user.id) return 'owner';
  if (app.collaboratorIds.includes(user.id)) return 'collaborator';
  return 'none';
}

export function can(user: User, app: App, action: AppAction): boolean {
  const rel = relation(user, app);
  if (rel === 'admin') return true;
  if (rel === 'none') return false;
  if (action === 'view') return true;
  // A viewer stays read-only even on apps they own or collaborate on.
  if (user.role === 'viewer') return false;
  if (action === 'administer') return rel === 'owner';
  return true;
}

export function canCreateApps(user: User): boolean {
  return user.role === 'admin' || user.role === 'developer';
}

/** Throws the error a user should see when they may not perform `action` on `app`. */
export function assertCan(user: User, app: App | null, action: AppAction): asserts app is App {
  if (!app || !can(user, app, 'view')) throw new DeployFlowError('DF_ERR_APP_NOT_FOUND');
  if (!can(user, app, action)) throw new DeployFlowError('DF_ERR_FORBIDDEN', `You may not ${action} this app`);
}
