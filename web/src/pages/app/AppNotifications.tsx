// The app's team channels: a Slack/Discord-compatible webhook and e-mail addresses that hear
// about this app's deploys, on top of what each person chose for themselves.
import { useEffect, useState } from 'react';
import { api, errorText } from '../../api';
import { useCan } from '../../access';
import { ErrorLine } from '../../components/ui';
import type { AppInfo } from '../../types';

interface Channels {
  webhookUrl: string | null;
  emails: string[];
  events: string[];
}

export default function AppNotifications({ app }: { app: AppInfo }) {
  const [webhookUrl, setWebhookUrl] = useState('');
  const [emails, setEmails] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const { allowed, title } = useCan(app, 'operate');
  useEffect(() => {
    void api<Channels>('GET', `/apps/${app.name}/notifications`).then(
      (c) => {
        setWebhookUrl(c.webhookUrl ?? '');
        setEmails(c.emails.join(', '));
      },
      () => undefined,
    );
  }, [app.name]);
  const save = (e: React.FormEvent): void => {
    e.preventDefault();
    setSaved(false);
    const list = emails.split(/[\s,]+/).filter(Boolean);
    api('PUT', `/apps/${app.name}/notifications`, { webhookUrl: webhookUrl || null, emails: list }).then(
      () => {
        setSaved(true);
        setError(null);
      },
      (err: unknown) => setError(errorText(err)),
    );
  };
  return (
    <form className="card stack" onSubmit={save} aria-label="App notifications">
      <h2>Deploy notifications for this app</h2>
      <label>
        Webhook URL (Slack or Discord){' '}
        <input type="url" value={webhookUrl} onChange={(e) => setWebhookUrl(e.target.value)} placeholder="https://hooks.slack.com/…" />
      </label>
      <label>
        E-mail addresses <input value={emails} onChange={(e) => setEmails(e.target.value)} placeholder="team@example.com" />
      </label>
      <div className="row">
        <button type="submit" disabled={!allowed} title={title}>
          Save channels
        </button>
        {saved && <span className="ok">Saved</span>}
      </div>
      <ErrorLine error={error} />
    </form>
  );
}
