// Admin: users, their roles, disabling, enabling and deleting accounts, one-time reset links, whether anyone
// may register and whether admins must use two-factor sign-in; invitations in their own section.
import { useEffect, useState } from 'react';
import { api, errorText, type User } from '../api';
import { ErrorLine } from '../components/ui';
import Invitations from './users/Invitations';
import DeleteUser from './users/DeleteUser';

export default function Users() {
  const [users, setUsers] = useState<User[]>([]);
  const [open, setOpen] = useState<boolean | null>(null);
  const [require2fa, setRequire2fa] = useState(false);
  const [link, setLink] = useState<{ email: string; url: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<User | null>(null);
  const load = (): void => {
    api<User[]>('GET', '/users').then(setUsers, (err: unknown) => setError(errorText(err)));
    api<{ registrationOpen: boolean; secondFactorRequiredForAdmins: boolean }>('GET', '/settings').then(
      (s) => {
        setOpen(s.registrationOpen);
        setRequire2fa(s.secondFactorRequiredForAdmins);
      },
      () => undefined,
    );
  };
  useEffect(load, []);
  const attempt = (p: Promise<unknown>): void => {
    p.then(
      () => {
        setError(null);
        load();
      },
      (err: unknown) => setError(errorText(err)),
    );
  };
  return (
    <section className="stack">
      <h1>Users</h1>
      {open !== null && (
        <label className="row">
          <input
            type="checkbox"
            checked={open}
            onChange={(e) => attempt(api('PATCH', '/settings', { registrationOpen: e.target.checked }))}
          />{' '}
          Open registration
        </label>
      )}
      {open !== null && (
        <label className="row">
          <input
            type="checkbox"
            checked={require2fa}
            onChange={(e) => attempt(api('PATCH', '/settings', { secondFactorRequiredForAdmins: e.target.checked }))}
          />
          Admins must use two-factor sign-in
        </label>
      )}
      {link && (
        <div className="card stack" role="status">
          <p>One-time reset link for {link.email} (valid 30 minutes, shown once):</p>
          <code data-testid="reset-link">{link.url}</code>
        </div>
      )}
      <ErrorLine error={error} />
      <table className="table">
        <thead>
          <tr>
            <th>Email</th>
            <th className="hide-sm">Name</th>
            <th>Role</th>
            <th>Account</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id}>
              <td>{u.email}</td>
              <td className="hide-sm">{u.name}</td>
              <td>
                <label className="sr-only" htmlFor={`role-${u.id}`}>
                  Role of {u.email}
                </label>
                <select
                  id={`role-${u.id}`}
                  value={u.role}
                  onChange={(e) => attempt(api('PATCH', `/users/${u.id}`, { role: e.target.value }))}
                >
                  <option value="admin">admin</option>
                  <option value="developer">developer</option>
                  <option value="viewer">viewer</option>
                </select>
              </td>
              <td className="row wrap">
                {u.disabled ? (
                  <button type="button" className="small" onClick={() => attempt(api('POST', `/users/${u.id}/enable`))}>
                    Enable
                  </button>
                ) : (
                  <button
                    type="button"
                    className="small danger"
                    onClick={() => {
                      if (confirm(`Disable ${u.email}? Their sessions, tokens, SSH keys and open connections stop working at once.`))
                        attempt(api('POST', `/users/${u.id}/disable`));
                    }}
                  >
                    Disable
                  </button>
                )}
                {!u.disabled && (
                  <button
                    type="button"
                    className="small"
                    onClick={() =>
                      attempt(
                        api<{ url: string }>('POST', `/users/${u.id}/password-reset-link`).then((r) =>
                          setLink({ email: u.email, url: r.url }),
                        ),
                      )
                    }
                  >
                    Reset link
                  </button>
                )}
                <button type="button" className="small danger" onClick={() => setDeleting(u)}>
                  Delete
                </button>
                {u.disabled && <small className="muted">disabled</small>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {deleting && (
        <DeleteUser
          key={deleting.id}
          user={deleting}
          users={users}
          onCancel={() => setDeleting(null)}
          onDone={() => {
            setDeleting(null);
            setError(null);
            load();
          }}
        />
      )}
      <Invitations onChange={load} />
    </section>
  );
}
