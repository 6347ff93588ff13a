// Deleting an account (admin): the apps the user owns are listed, and the admin says what becomes
// of them — given to another user or a team, or deleted with the account. Nothing happens until
// the choice is confirmed; the server refuses a deletion that does not say (409 with the apps).
import { useEffect, useState } from 'react';
import { api, errorText, type User } from '../../api';
import { ErrorLine } from '../../components/ui';
import type { AppInfo } from '../../types';

export default function DeleteUser({
  user,
  users,
  onDone,
  onCancel,
}: {
  user: User;
  users: User[];
  onDone: () => void;
  onCancel: () => void;
}) {
  const [apps, setApps] = useState<string[] | null>(null);
  const [teams, setTeams] = useState<{ id: string; name: string }[]>([]);
  const [choice, setChoice] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<AppInfo[]>('GET', '/apps').then(
      (all) => setApps(all.filter((a) => a.ownerKind === 'user' && a.ownerId === user.id).map((a) => a.name)),
      (err: unknown) => setError(errorText(err)),
    );
    api<{ id: string; name: string }[]>('GET', '/teams?all=true').then(setTeams, () => undefined);
  }, [user.id]);
  if (apps === null) return <ErrorLine error={error} />;
  const body =
    apps.length === 0
      ? {}
      : choice === 'delete'
        ? { apps: 'delete' }
        : choice.startsWith('team:')
          ? { apps: 'transfer', toTeamId: choice.slice(5) }
          : choice.startsWith('user:')
            ? { apps: 'transfer', toUserId: choice.slice(5) }
            : null;
  return (
    <form
      className="card stack danger-zone"
      aria-label={`Delete ${user.email}`}
      onSubmit={(e) => {
        e.preventDefault();
        if (!body) return;
        api('DELETE', `/users/${user.id}`, body).then(onDone, (err: unknown) => setError(errorText(err)));
      }}
    >
      <h2>Delete {user.email}</h2>
      <p>Their sessions, tokens, SSH keys and open connections end at once; their activity stays in the audit log.</p>
      {apps.length === 0 ? (
        <p className="muted">They own no apps.</p>
      ) : (
        <>
          <p>
            They own {apps.length === 1 ? 'one app' : `${apps.length} apps`}: <strong data-testid="owned-apps">{apps.join(', ')}</strong>.
            What becomes of them?
          </p>
          <label>
            Their apps{' '}
            <select value={choice} onChange={(e) => setChoice(e.target.value)} aria-label="Their apps">
              <option value="">Choose…</option>
              {teams.map((t) => (
                <option key={t.id} value={`team:${t.id}`}>
                  Give to the team {t.name}
                </option>
              ))}
              {users
                .filter((u) => u.id !== user.id && !u.disabled && u.role !== 'viewer')
                .map((u) => (
                  <option key={u.id} value={`user:${u.id}`}>
                    Give to {u.email}
                  </option>
                ))}
              <option value="delete">Delete them</option>
            </select>
          </label>
        </>
      )}
      <ErrorLine error={error} />
      <div className="row">
        <button type="submit" className="danger" disabled={!body}>
          Delete account
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
