// Who may do what to an app. Pure functions over (user, app, the user's role in the team that
// owns the app) so every rule is unit-tested and every route asks the same question; the async
// helpers below look the team role up. Someone who may not even see an app gets 404, so app
// names of other users do not leak; someone who may see it but not change it gets 403.
import { DeployFlowError } from '../../common/errors/catalogue.js';
import type { App, Store, TeamRole, User } from '../store/types.js';

export type AppAction =
  | 'view' // read the app, its deployments, logs, metrics
  | 'operate' // deploy, patch settings, env, scale, restart, domains
  | 'reveal' // read env values in clear
  | 'administer'; // delete, transfer, manage collaborators, see the webhook secret

/**
 * `teamRole` is the user's role in the team that owns `app` (ignored for apps a user owns):
 * a team admin has an owner's rights, a team developer a collaborator's, a team viewer may look.
 */
export function relation(user: User, app: App, teamRole: TeamRole | null = null): 'admin' | 'owner' | 'collaborator' | 'viewer' | 'none' {
  if (user.role === 'admin') return 'admin';
  const role = app.ownerKind === 'team' ? teamRole : null;
  if ((app.ownerKind === 'user' && app.ownerId === user.id) || role === 'admin') return 'owner';
  if (app.collaboratorIds.includes(user.id) || role === 'developer') return 'collaborator';
  if (role === 'viewer') return 'viewer';
  return 'none';
}

export function can(user: User, app: App, action: AppAction, teamRole: TeamRole | null = null): boolean {
  const rel = relation(user, app, teamRole);
  if (rel === 'admin') return true;
  if (rel === 'none') return false;
  if (action === 'view') return true;
  // A viewer stays read-only even on apps they own or collaborate on.
  if (user.role === 'viewer' || rel === 'viewer') return false;
  if (action === 'administer') return rel === 'owner';
  return true;
}

export function canCreateApps(user: User): boolean {
  return user.role === 'admin' || user.role === 'developer';
}

/** Throws the error a user should see when they may not perform `action` on `app`. */
export function assertCan(user: User, app: App | null, action: AppAction, teamRole: TeamRole | null = null): asserts app is App {
  if (!app || !can(user, app, 'view', teamRole)) throw new DeployFlowError('DF_ERR_APP_NOT_FOUND');
  if (!can(user, app, action, teamRole)) throw new DeployFlowError('DF_ERR_FORBIDDEN', `You may not ${action} this app`);
}

/** The user's role in the team that owns `app`, or null (a user's app, no app, or an admin, who needs none). */
export async function teamRoleOn(store: Pick<Store, 'teams'>, user: User, app: App | null): Promise<TeamRole | null> {
  if (!app || app.ownerKind !== 'team' || user.role === 'admin') return null;
  return store.teams.roleOf(app.ownerId, user.id);
}

/** `can`, with the team role looked up. */
export async function may(store: Pick<Store, 'teams'>, user: User, app: App | null, action: AppAction): Promise<boolean> {
  return app !== null && can(user, app, action, await teamRoleOn(store, user, app));
}

/** `assertCan`, with the team role looked up; returns the app. */
export async function checkAccess(store: Pick<Store, 'teams'>, user: User, app: App | null, action: AppAction): Promise<App> {
  assertCan(user, app, action, await teamRoleOn(store, user, app));
  return app;
}

/** The apps `user` may see: every app for an admin; else owned, collaborated on, or owned by one of their teams. */
export async function visibleApps(store: Pick<Store, 'apps' | 'teams'>, user: User): Promise<App[]> {
  if (user.role === 'admin') return store.apps.list();
  const mine = await store.apps.listForUser(user.id);
  const teams = await store.teams.listForUser(user.id);
  const byName = new Map(mine.map((a) => [a.name, a]));
  for (const { team } of teams) {
    for (const app of await store.apps.listForUser(team.id)) {
      if (app.ownerKind === 'team' && app.ownerId === team.id) byName.set(app.name, app);
    }
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
