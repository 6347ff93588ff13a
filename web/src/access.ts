// Who may press what, mirroring control/apps/access.ts, so the dashboard disables (and says
// why) what the API would refuse with 403 instead of failing after the click. The server stays
// the judge: this only avoids offering what it would refuse.
import { useEffect, useState } from 'react';
import { api, session, type User } from './api';
import type { AppInfo } from './types';

export type AppAction = 'view' | 'operate' | 'reveal' | 'administer';

/** Why `user` may not perform `action` on `app`, or null when they may. */
export function whyNot(user: User | null, app: Pick<AppInfo, 'ownerId' | 'collaboratorIds'>, action: AppAction): string | null {
  if (!user) return 'Signing in…';
  if (user.role === 'admin') return null;
  const owner = app.ownerId === user.id;
  if (!owner && !app.collaboratorIds.includes(user.id)) return 'You are not the owner or a collaborator of this app';
  if (action === 'view') return null;
  if (user.role === 'viewer') return 'Your role is viewer: you may look, not change';
  if (action === 'administer' && !owner) return "Only the app's owner or an admin may do this";
  return null;
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
    fresh ??= api<User>('GET', '/auth/me').then((me) => {
      const s = session.get();
      if (s && (s.user.id !== me.id || s.user.role !== me.role || s.user.email !== me.email || s.user.name !== me.name)) session.set({ ...s, user: me });
    }, () => { fresh = null; });
    return off;
  }, []);
  return user;
}

/** The reason (as a title) when the action is not allowed; spread on a button with `disabled`. */
export function useCan(app: Pick<AppInfo, 'ownerId' | 'collaboratorIds'>, action: AppAction): { allowed: boolean; title: string | undefined } {
  const why = whyNot(useMe(), app, action);
  return { allowed: why === null, title: why ?? undefined };
}
