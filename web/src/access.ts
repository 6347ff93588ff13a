// Who may press what, mirroring control/apps/access.ts, so the dashboard disables (and says
// why) what the API would refuse with 403 instead of failing after the click. The server stays
// the judge: this only avoids offering what it would refuse.
import { useEffect, useState } from 'react';
import { api, session, type User } from './api';
import type { AppInfo } from './types';

export type AppAction = 'view' | 'operate' | 'reveal' | 'administer';

export type TeamRole = 'admin' | 'developer' | 'viewer';
type Owned = Pick<AppInfo, 'ownerId' | 'collaboratorIds'> & { ownerKind?: 'user' | 'team' };

/**
 * Why `user` may not perform `action` on `app`, or null when they may. `teamRole`: the user's role
 * in the team that owns the app (a team admin has the owner's rights, a developer a collaborator's).
 */
export function whyNot(user: User | null, app: Owned, action: AppAction, teamRole: TeamRole | null = null): string | null {
  if (!user) return 'Signing in…';
  if (user.role === 'admin') return null;
  const role = app.ownerKind === 'team' ? teamRole : null;
  const owner = (app.ownerKind !== 'team' && app.ownerId === user.id) || role === 'admin';
  const operator = owner || app.collaboratorIds.includes(user.id) || role === 'developer';
  if (!operator && role !== 'viewer') return 'You are not the owner or a collaborator of this app';
  if (action === 'view') return null;
  if (user.role === 'viewer') return 'Your role is viewer: you may look, not change';
  if (!operator) return "Your role in the app's team is viewer: you may look, not change";
  if (action === 'administer' && !owner) return "Only the app's owner or an admin may do this";
  return null;
}

let myTeams: Promise<{ id: string; role: TeamRole }[]> | null = null;

/** The signed-in user's teams with their role, fetched once per page load (forget() after a change). */
export function useMyTeams(): { id: string; name: string; role: TeamRole }[] {
  const [teams, setTeams] = useState<{ id: string; name: string; role: TeamRole }[]>([]);
  useEffect(() => {
    let live = true;
    myTeams ??= api<{ id: string; name: string; role: TeamRole }[]>('GET', '/teams').catch(() => {
      myTeams = null;
      return [];
    });
    void myTeams.then((t) => {
      if (live) setTeams(t as { id: string; name: string; role: TeamRole }[]);
    });
    return () => {
      live = false;
    };
  }, []);
  return teams;
}

/** Teams changed (created, joined, left): the next useMyTeams asks the server again. */
export function forgetMyTeams(): void {
  myTeams = null;
}

export function whyNotCreate(user: User | null): string | null {
  return user?.role === 'viewer' ? 'Your role is viewer: viewers may not create apps' : null;
}

let fresh: Promise<void> | null = null;

/** The signed-in user, checked once per page load against GET /auth/me (a role may have changed). */
export function useMe(): User | null {
  const [user, setUser] = useState<User | null>(session.get()?.user ?? null);
  useEffect(() => {
    const off = session.subscribe((s) => setUser(s?.user ?? null));
    fresh ??= api<User>('GET', '/auth/me').then(
      (me) => {
        const s = session.get();
        if (s && (s.user.id !== me.id || s.user.role !== me.role || s.user.email !== me.email || s.user.name !== me.name))
          session.set({ ...s, user: me });
      },
      () => {
        fresh = null;
      },
    );
    return off;
  }, []);
  return user;
}

/** The reason (as a title) when the action is not allowed; spread on a button with `disabled`. */
export function useCan(app: Owned, action: AppAction): { allowed: boolean; title: string | undefined } {
  const teams = useMyTeams();
  const teamRole = app.ownerKind === 'team' ? (teams.find((t) => t.id === app.ownerId)?.role ?? null) : null;
  const why = whyNot(useMe(), app, action, teamRole);
  return { allowed: why === null, title: why ?? undefined };
}
