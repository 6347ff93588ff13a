// Teams in MongoDB: one document per team with its members inside, so every membership change,
// and the last-admin rule with it, is one single-document update. The collection and its index
// are declared here, next to the only code that uses them.
import type { Db, Filter } from 'mongodb';
import { DeployFlowError } from '../../../common/errors/catalogue.js';
import type { Team, TeamMember, TeamRole, TeamStore } from '../types.js';

interface MemberDoc {
  userId: string;
  role: TeamRole;
  addedAt: number;
}

export interface TeamDoc {
  _id: string;
  name: string;
  createdAt: number;
  updatedAt: number;
  members: MemberDoc[];
}

export const TEAMS_COLLECTION = 'teams';

const toTeam = (d: TeamDoc): Team => ({ id: d._id, name: d.name, createdAt: d.createdAt, updatedAt: d.updatedAt });
const toMember = (teamId: string, m: MemberDoc): TeamMember => ({ teamId, userId: m.userId, role: m.role, addedAt: m.addedAt });

const LAST_ADMIN = 'A team keeps at least one admin: make another member admin first';

/** Matches the team only while some member other than `userId` is an admin. */
const anotherAdmin = (userId: string): Filter<TeamDoc> => ({ members: { $elemMatch: { role: 'admin', userId: { $ne: userId } } } });

const byName = (a: Team, b: Team): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export async function mongoTeams(db: Db): Promise<TeamStore> {
  const teams = db.collection<TeamDoc>(TEAMS_COLLECTION);
  await teams.createIndexes([{ key: { 'members.userId': 1 }, name: 'members_userId' }]);

  const memberOf = (d: TeamDoc | null, userId: string): MemberDoc | undefined => d?.members.find((m) => m.userId === userId);

  return {
    async create(team, adminId) {
      await teams.insertOne({
        _id: team.id,
        name: team.name,
        createdAt: team.createdAt,
        updatedAt: team.updatedAt,
        members: [{ userId: adminId, role: 'admin', addedAt: team.createdAt }],
      });
      return { ...team };
    },
    async get(id) {
      const d = await teams.findOne({ _id: id });
      return d ? toTeam(d) : null;
    },
    async list() {
      return (await teams.find().toArray()).map(toTeam).sort(byName);
    },
    async listForUser(userId) {
      const docs = await teams.find({ 'members.userId': { $eq: userId } }).toArray();
      return docs.map((d) => ({ team: toTeam(d), role: memberOf(d, userId)!.role })).sort((a, b) => byName(a.team, b.team));
    },
    async rename(id, name, at) {
      const d = await teams.findOneAndUpdate({ _id: id }, { $set: { name, updatedAt: at } }, { returnDocument: 'after' });
      return d ? toTeam(d) : null;
    },
    async delete(id) {
      return (await teams.deleteOne({ _id: id })).deletedCount > 0;
    },
    async members(teamId) {
      const d = await teams.findOne({ _id: teamId });
      return d ? d.members.map((m) => toMember(teamId, m)) : [];
    },
    async roleOf(teamId, userId) {
      return memberOf(await teams.findOne({ _id: teamId }), userId)?.role ?? null;
    },
    async setMember(teamId, userId, role, at) {
      // A new member is pushed only while absent; a role change of an admin only while another admin stays.
      const added = await teams.findOneAndUpdate(
        { _id: teamId, 'members.userId': { $ne: userId } },
        { $push: { members: { userId, role, addedAt: at } } },
        { returnDocument: 'after' },
      );
      if (added) return toMember(teamId, memberOf(added, userId)!);
      const current = memberOf(await teams.findOne({ _id: teamId }), userId);
      if (!current) return null; // no such team
      if (current.role === role) return toMember(teamId, current);
      const guard: Filter<TeamDoc> = current.role === 'admin' ? anotherAdmin(userId) : {};
      const changed = await teams.findOneAndUpdate(
        { _id: teamId, $and: [guard, { members: { $elemMatch: { userId, role: current.role } } }] },
        { $set: { 'members.$[m].role': role } },
        { arrayFilters: [{ 'm.userId': userId }], returnDocument: 'after' },
      );
      if (!changed) throw new DeployFlowError('DF_ERR_CONFLICT', LAST_ADMIN);
      return toMember(teamId, memberOf(changed, userId)!);
    },
    async removeMember(teamId, userId) {
      const current = memberOf(await teams.findOne({ _id: teamId }), userId);
      if (!current) return false;
      const guard: Filter<TeamDoc> = current.role === 'admin' ? anotherAdmin(userId) : {};
      const res = await teams.updateOne({ _id: teamId, ...guard, 'members.userId': userId }, { $pull: { members: { userId } } });
      if (res.modifiedCount === 0) {
        if (memberOf(await teams.findOne({ _id: teamId }), userId)) throw new DeployFlowError('DF_ERR_CONFLICT', LAST_ADMIN);
        return false;
      }
      return true;
    },
  };
}
