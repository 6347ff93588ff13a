// Who may do what to a team: its members see it, its admins (and platform admins) manage it.
// Someone who is not a member gets "not found", so team ids and names do not leak.
import { DeployFlowError } from '../../common/errors/catalogue.js';
import type { Store, Team, TeamRole, User } from '../store/types.js';

export interface TeamAccess {
  team: Team;
  role: TeamRole | null;
}

/** Loads the team if `user` may see it (a member or a platform admin); 404 otherwise. */
export async function loadTeam(store: Store, user: User, id: string): Promise<TeamAccess> {
  const team = await store.teams.get(id);
  const role = team ? await store.teams.roleOf(team.id, user.id) : null;
  if (!team || (role === null && user.role !== 'admin')) throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No such team');
  return { team, role };
}

/** Loads the team if `user` may manage it (a team admin or a platform admin): 404 for strangers, 403 for members. */
export async function loadManagedTeam(store: Store, user: User, id: string): Promise<TeamAccess> {
  const access = await loadTeam(store, user, id);
  if (access.role !== 'admin' && user.role !== 'admin')
    throw new DeployFlowError('DF_ERR_FORBIDDEN', 'Only team admins may manage the team');
  return access;
}

/** Apps the team owns, by name. */
export async function teamApps(store: Store, teamId: string): Promise<string[]> {
  return (await store.apps.listForUser(teamId)).filter((a) => a.ownerKind === 'team' && a.ownerId === teamId).map((a) => a.name);
}
