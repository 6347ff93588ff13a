// Who owns the app (a user or a team), shown under its name, and giving it away: to one of your
// teams (as its admin or developer), or to another user by id (admins pick from the list).
import { useEffect, useState } from 'react';
import { api, errorText, type User } from '../../api';
import { forgetMyTeams, useCan, useMe, useMyTeams } from '../../access';
import { ErrorLine } from '../../components/ui';
import { Link } from '../../router';
import type { AppInfo } from '../../types';

interface OwnerInfo {
  kind: 'user' | 'team';
  id: string;
  name: string;
}

function useOwner(app: AppInfo): OwnerInfo | null {
  const [owner, setOwner] = useState<OwnerInfo | null>(null);
  useEffect(() => {
    api<OwnerInfo>('GET', `/apps/${app.name}/owner`).then(setOwner, () => setOwner(null));
  }, [app.name, app.ownerId, app.ownerKind]);
  return owner;
}

export function OwnerLine({ app }: { app: AppInfo }) {
  const owner = useOwner(app);
  const me = useMe();
  if (!owner) return null;
  return (
    <p className="muted" data-testid="app-owner">
      Owned by{' '}
      {owner.kind === 'team' ? (
        <>
          the team <Link to={`/teams/${owner.id}`}>{owner.name || owner.id}</Link>
        </>
      ) : owner.id === me?.id ? (
        'you'
      ) : (
        <>{owner.name || owner.id}</>
      )}
    </p>
  );
}

export default function Transfer({ app, onChange }: { app: AppInfo; onChange: () => void }) {
  const me = useMe();
  const administer = useCan(app, 'administer');
  const teams = useMyTeams().filter((t) => t.role !== 'viewer' && !(app.ownerKind === 'team' && t.id === app.ownerId));
  const [users, setUsers] = useState<User[]>([]);
  const [to, setTo] = useState('');
  const [userId, setUserId] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  useEffect(() => {
    if (me?.role === 'admin') api<User[]>('GET', '/users').then(setUsers, () => undefined);
  }, [me?.role]);
  if (!administer.allowed) return null;
  const body = to.startsWith('team:')
    ? { toTeamId: to.slice(5) }
    : to === 'user'
      ? { toUserId: userId.trim() }
      : to.startsWith('user:')
        ? { toUserId: to.slice(5) }
        : null;
  return (
    <form
      className="card stack"
      aria-label="Transfer the app"
      onSubmit={(e) => {
        e.preventDefault();
        if (!body) return;
        api('POST', `/apps/${app.name}/transfer`, body).then(
          () => {
            setError(null);
            setDone('Transferred.');
            forgetMyTeams();
            onChange();
          },
          (err: unknown) => {
            setDone(null);
            setError(errorText(err));
          },
        );
      }}
    >
      <h2>Transfer ownership</h2>
      <p className="muted">
        The new owner gets every right on the app; you keep only what you have otherwise (as a team member or collaborator).
      </p>
      <label>
        New owner{' '}
        <select value={to} onChange={(e) => setTo(e.target.value)} aria-label="New owner">
          <option value="">Choose…</option>
          {teams.map((t) => (
            <option key={t.id} value={`team:${t.id}`}>
              Team {t.name}
            </option>
          ))}
          {users
            .filter((u) => !(app.ownerKind === 'user' && u.id === app.ownerId) && !u.disabled && u.role !== 'viewer')
            .map((u) => (
              <option key={u.id} value={`user:${u.id}`}>
                {u.email}
              </option>
            ))}
          {me?.role !== 'admin' && <option value="user">A user, by id…</option>}
        </select>
      </label>
      {to === 'user' && (
        <label>
          User id <input value={userId} onChange={(e) => setUserId(e.target.value)} required />
        </label>
      )}
      <ErrorLine error={error} />
      {done && (
        <p className="ok" role="status">
          {done}
        </p>
      )}
      <div className="row">
        <button type="submit" disabled={!body}>
          Transfer {app.name}
        </button>
      </div>
    </form>
  );
}
