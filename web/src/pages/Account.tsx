// Your password and two-factor sign-in, API tokens, SSH keys and notification settings.
import { useEffect, useState } from 'react';
import { api, errorText } from '../api';
import { CopyButton, ErrorLine, ago } from '../components/ui';
import Security from './account/Security';

interface Token {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}
interface Key {
  id: string;
  name: string;
  fingerprint: string;
  createdAt: number;
}
interface NoteSettings {
  email: boolean;
  webhookUrl: string | null;
  events: string[];
  mutedApps: string[];
}

export default function Account() {
  const [tokens, setTokens] = useState<Token[]>([]);
  const [keys, setKeys] = useState<Key[]>([]);
  const [tokenName, setTokenName] = useState('');
  const [created, setCreated] = useState<string | null>(null);
  const [publicKey, setPublicKey] = useState('');
  const [notes, setNotes] = useState<NoteSettings | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = (): void => {
    void api<Token[]>('GET', '/tokens').then(setTokens, () => undefined);
    void api<Key[]>('GET', '/keys').then(setKeys, () => undefined);
    void api<NoteSettings>('GET', '/notifications/settings').then(setNotes, () => undefined);
  };
  useEffect(load, []);
  const attempt = (p: Promise<unknown>): Promise<void> =>
    p.then(
      () => {
        setError(null);
        load();
      },
      (err: unknown) => setError(errorText(err)),
    );
  return (
    <section className="stack">
      <h1>Account</h1>
      <ErrorLine error={error} />
      <Security />
      <div className="card stack">
        <h2>API tokens</h2>
        <p className="muted">Use one as a Bearer token or as the password of git over HTTP.</p>
        <ul className="list">
          {tokens.map((t) => (
            <li key={t.id}>
              {t.name} <small className="muted">used {ago(t.lastUsedAt)}</small>{' '}
              <button type="button" className="small danger" onClick={() => void attempt(api('DELETE', `/tokens/${t.id}`))}>
                Revoke
              </button>
            </li>
          ))}
        </ul>
        <form
          className="row wrap"
          aria-label="Create a token"
          onSubmit={(e) => {
            e.preventDefault();
            void api<{ token: string }>('POST', '/tokens', { name: tokenName }).then(
              (r) => {
                setCreated(r.token);
                setTokenName('');
                load();
              },
              (err: unknown) => setError(errorText(err)),
            );
          }}
        >
          <label className="grow">
            Token name <input value={tokenName} onChange={(e) => setTokenName(e.target.value)} required placeholder="laptop" />
          </label>
          <button type="submit">Create token</button>
        </form>
        {created && (
          <div className="command">
            <code data-testid="new-token">{created}</code>
            <CopyButton text={created} label="Copy the token" />
            <small className="muted">Shown once.</small>
          </div>
        )}
      </div>
      <div className="card stack">
        <h2>SSH keys</h2>
        <ul className="list">
          {keys.map((k) => (
            <li key={k.id}>
              {k.name} <code>{k.fingerprint}</code>{' '}
              <button type="button" className="small danger" onClick={() => void attempt(api('DELETE', `/keys/${k.id}`))}>
                Remove
              </button>
            </li>
          ))}
        </ul>
        <form
          className="stack"
          aria-label="Add an SSH key"
          onSubmit={(e) => {
            e.preventDefault();
            void attempt(api('POST', '/keys', { publicKey })).then(() => setPublicKey(''));
          }}
        >
          <label>
            Public key{' '}
            <textarea
              value={publicKey}
              onChange={(e) => setPublicKey(e.target.value)}
              rows={3}
              required
              placeholder="ssh-ed25519 AAAA… you@laptop"
            />
          </label>
          <button type="submit">Add key</button>
        </form>
      </div>
      {notes && (
        <form
          className="card stack"
          aria-label="Notification settings"
          onSubmit={(e) => {
            e.preventDefault();
            void attempt(api('PUT', '/notifications/settings', { email: notes.email, webhookUrl: notes.webhookUrl || null }));
          }}
        >
          <h2>Notifications</h2>
          <p className="muted">Deploy started, succeeded and failed always appear here in the dashboard.</p>
          <label className="row">
            <input type="checkbox" checked={notes.email} onChange={(e) => setNotes({ ...notes, email: e.target.checked })} /> Also e-mail me
          </label>
          <label>
            My webhook URL (Slack or Discord){' '}
            <input type="url" value={notes.webhookUrl ?? ''} onChange={(e) => setNotes({ ...notes, webhookUrl: e.target.value })} />
          </label>
          <button type="submit">Save</button>
        </form>
      )}
    </section>
  );
}
