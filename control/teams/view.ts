import { z } from 'zod';
import type { Store, Team, TeamRole } from '../store/types.js';

const Role = z.enum(['admin', 'developer', 'viewer']);

export const TeamSummary = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  role: Role.nullable().describe('Your role in the team (null: you are a platform admin, not a member)'),
});

export const TeamMemberView = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  role: Role,
  addedAt: z.number(),
});

export const TeamView = TeamSummary.extend({
  members: z.array(TeamMemberView),
  apps: z.array(z.string()).describe('Names of the apps the team owns'),
});

export function teamSummary(team: Team, role: TeamRole | null): z.infer<typeof TeamSummary> {
  return { id: team.id, name: team.name, createdAt: team.createdAt, updatedAt: team.updatedAt, role };
}

/** Members with their e-mail and name (members of a team see each other). */
export async function memberViews(store: Store, teamId: string): Promise<z.infer<typeof TeamMemberView>[]> {
  const out: z.infer<typeof TeamMemberView>[] = [];
  for (const m of await store.teams.members(teamId)) {
    const user = await store.users.get(m.userId);
    if (user) out.push({ userId: m.userId, email: user.email, name: user.name, role: m.role, addedAt: m.addedAt });
  }
  return out;
}
