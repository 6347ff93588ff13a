// Teams: the ones you belong to (admins: every team), creating one, and a team's members with
// their roles, managed by the team's admins. Adding by e-mail says the same whether or not the
// address has an account: one without an account adds nobody (invite them first).
import { useEffect, useState } from 'react';
import { api, errorText } from '../api';
import { forgetMyTeams, useMe, type TeamRole } from '../access';
import { ErrorLine } from '../components/ui';
import { Link, navigate } from '../router';

interface TeamSummary {
  id: string;
  name: string;
  role: TeamRole | null;
  createdAt: number;
}
interface Member {
  userId: string;
  email: string;
  name: string;
  role: TeamRole;
  addedAt: number;
}
interface TeamDetail extends TeamSummary {
  members: Member[];
  apps: string[];
}

const ROLES: TeamRole[] = ['admin', 'developer', 'viewer'];

export default function Teams({ id }: { id: string | null }) {
  const me = useMe();
  const [teams, setTeams] = useState<TeamSummary[]>([]);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const load = (): void => {
    api<TeamSummary[]>('GET', me?.role === 'admin' ? '/teams?all=true' : '/teams').then(setTeams, (err: unknown) =>
      setError(errorText(err)),
    );
  };
  useEffect(load, [me?.role]);
  return (
    <section className="stack">
      <h1>Teams</h1>
      <p className="muted">
        A team owns apps together: its developers deploy and configure them, its viewers look, its admins also manage the team.
      </p>
      <ErrorLine error={error} />
      {teams.length === 0 ? (
        <p className="muted">No teams yet.</p>
      ) : (
        <table className="table" aria-label="Teams">
          <thead>
            <tr>
              <th>Team</th>
              <th>Your role</th>
            </tr>
          </thead>
          <tbody>
            {teams.map((t) => (
              <tr key={t.id} className={t.id === id ? 'selected' : ''}>
                <td>
                  <Link to={`/teams/${t.id}`}>{t.name}</Link>
                </td>
                <td>{t.role ?? <span className="muted">not a member</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {me?.role !== 'viewer' && (
        <form
          className="row wrap"
          aria-label="Create a team"
          onSubmit={(e) => {
            e.preventDefault();
            api<TeamSummary>('POST', '/teams', { name }).then(
              (t) => {
                setName('');
                setError(null);
                forgetMyTeams();
                load();
                navigate(`/teams/${t.id}`);
              },
              (err: unknown) => setError(errorText(err)),
            );
          }}
        >
          <label htmlFor="team-name">New team</label>
          <input id="team-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="Team name" maxLength={100} required />
          <button type="submit">Create team</button>
        </form>
      )}
      {id && (
        <TeamPanel
          key={id}
          id={id}
          onChange={() => {
            forgetMyTeams();
            load();
          }}
        />
      )}
    </section>
  );
}

function TeamPanel({ id, onChange }: { id: string; onChange: () => void }) {
  const me = useMe();
  const [team, setTeam] = useState<TeamDetail | null>(null);
  const [who, setWho] = useState('');
  const [role, setRole] = useState<TeamRole>('developer');
  const [rename, setRename] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = (): void => {
    api<TeamDetail>('GET', `/teams/${encodeURIComponent(id)}`).then(
      (t) => {
        setTeam(t);
        setRename(t.name);
      },
      (err: unknown) => setError(errorText(err)),
    );
  };
  useEffect(load, [id]);
  const attempt = (p: Promise<unknown>, done?: string): void => {
    p.then(
      () => {
        setError(null);
        setNotice(done ?? null);
        load();
        onChange();
      },
      (err: unknown) => setError(errorText(err)),
    );
  };
  if (!team) return <ErrorLine error={error} />;
  const manage = team.role === 'admin' || me?.role === 'admin';
  const base = `/teams/${encodeURIComponent(team.id)}`;
  return (
    <div className="card stack" aria-label={`Team ${team.name}`}>
      <h2>{team.name}</h2>
      <ErrorLine error={error} />
      {notice && (
        <p role="status" className="muted">
          {notice}
        </p>
      )}
      <table className="table" aria-label="Members">
        <thead>
          <tr>
            <th>Member</th>
            <th>Role</th>
            {manage && <th />}
          </tr>
        </thead>
        <tbody>
          {team.members.map((m) => (
            <tr key={m.userId}>
              <td>
                {m.email}
                {m.name && m.name !== m.email.split('@')[0] ? <small className="muted"> {m.name}</small> : null}
              </td>
              <td>
                {manage ? (
                  <>
                    <label className="sr-only" htmlFor={`team-role-${m.userId}`}>
                      Role of {m.email}
                    </label>
                    <select
                      id={`team-role-${m.userId}`}
                      value={m.role}
                      onChange={(e) => attempt(api('PATCH', `${base}/members/${m.userId}`, { role: e.target.value }))}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  </>
                ) : (
                  m.role
                )}
              </td>
              {manage && (
                <td>
                  <button type="button" className="small danger" onClick={() => attempt(api('DELETE', `${base}/members/${m.userId}`))}>
                    Remove
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {manage && (
        <form
          className="row wrap"
          aria-label="Add a member"
          onSubmit={(e) => {
            e.preventDefault();
            const body = who.includes('@') ? { email: who, role } : { userId: who, role };
            attempt(
              api('POST', `${base}/members`, body).then(() => setWho('')),
              who.includes('@') ? `If ${who} has an account, they are a member now; if not, invite them first.` : undefined,
            );
          }}
        >
          <label htmlFor="member-who">Add member</label>
          <input id="member-who" value={who} onChange={(e) => setWho(e.target.value)} placeholder="e-mail or user id" required />
          <label className="sr-only" htmlFor="member-role">
            Role
          </label>
          <select id="member-role" value={role} onChange={(e) => setRole(e.target.value as TeamRole)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          <button type="submit">Add</button>
        </form>
      )}
      <h3>Apps</h3>
      {team.apps.length === 0 ? (
        <p className="muted">The team owns no apps yet. An app's owner gives it to the team from the app's Settings.</p>
      ) : (
        <ul>
          {team.apps.map((a) => (
            <li key={a}>
              <Link to={`/apps/${a}`}>{a}</Link>
            </li>
          ))}
        </ul>
      )}
      {manage && (
        <div className="row wrap">
          <form
            className="row wrap"
            aria-label="Rename the team"
            onSubmit={(e) => {
              e.preventDefault();
              attempt(api('PATCH', base, { name: rename }));
            }}
          >
            <label className="sr-only" htmlFor="team-rename">
              Team name
            </label>
            <input id="team-rename" value={rename} onChange={(e) => setRename(e.target.value)} maxLength={100} required />
            <button type="submit" className="small">
              Rename
            </button>
          </form>
          <button
            type="button"
            className="small danger"
            disabled={team.apps.length > 0}
            title={team.apps.length > 0 ? 'Transfer or delete its apps first' : undefined}
            onClick={() => {
              if (!confirm(`Delete the team ${team.name}?`)) return;
              api('DELETE', base).then(
                () => {
                  onChange();
                  navigate('/teams');
                },
                (err: unknown) => setError(errorText(err)),
              );
            }}
          >
            Delete team
          </button>
        </div>
      )}
      {!manage && team.role !== null && (
        <button
          type="button"
          className="small"
          onClick={() => {
            if (!me) return;
            api('DELETE', `${base}/members/${me.id}`).then(
              () => {
                onChange();
                navigate('/teams');
              },
              (err: unknown) => setError(errorText(err)),
            );
          }}
        >
          Leave team
        </button>
      )}
    </div>
  );
}
