// Admin: users and their roles, and whether anyone may register.
import { useEffect, useState } from 'react';
import { api, errorText, type User } from '../api';
import { ErrorLine } from '../components/ui';

export default function Users() {
  const [users, setUsers] = useState<User[]>([]);
  const [open, setOpen] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = (): void => {
    api<User[]>('GET', '/users').then(setUsers, (err: unknown) => setError(errorText(err)));
    api<{ registrationOpen: boolean }>('GET', '/settings').then((s) => setOpen(s.registrationOpen), () => undefined);
  };
  useEffect(load, []);
  const attempt = (p: Promise<unknown>): void => { p.then(() => { setError(null); load(); }, (err: unknown) => setError(errorText(err))); };
  return (
    <section className="stack">
      <h1>Users</h1>
      {open !== null && (
        <label className="row"><input type="checkbox" checked={open} onChange={(e) => attempt(api('PATCH', '/settings', { registrationOpen: e.target.checked }))} /> Open registration</label>
      )}
      <ErrorLine error={error} />
      <table className="table">
        <thead><tr><th>Email</th><th className="hide-sm">Name</th><th>Role</th></tr></thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id}>
              <td>{u.email}</td>
              <td className="hide-sm">{u.name}</td>
              <td>
                <label className="sr-only" htmlFor={`role-${u.id}`}>Role of {u.email}</label>
                <select id={`role-${u.id}`} value={u.role} onChange={(e) => attempt(api('PATCH', `/users/${u.id}`, { role: e.target.value }))}>
                  <option value="admin">admin</option><option value="developer">developer</option><option value="viewer">viewer</option>
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
