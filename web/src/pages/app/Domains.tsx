// Custom domains routed to the app (in addition to <app>.<platform domain>).
import { useState } from 'react';
import { api, errorText } from '../../api';
import { ErrorLine } from '../../components/ui';
import type { AppInfo } from '../../types';

export default function Domains({ app, onChange }: { app: AppInfo; onChange: () => void }) {
  const [domain, setDomain] = useState('');
  const [error, setError] = useState<string | null>(null);
  const run = async (method: 'POST' | 'DELETE', d: string): Promise<void> => {
    setError(null);
    try {
      if (method === 'POST') await api('POST', `/apps/${app.name}/domains`, { domain: d });
      else await api('DELETE', `/apps/${app.name}/domains/${encodeURIComponent(d)}`);
      setDomain('');
      onChange();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <div className="stack">
      <ul className="list">
        <li><a href={app.url} target="_blank" rel="noreferrer noopener">{new URL(app.url).host}</a> <small className="muted">(platform)</small></li>
        {app.domains.map((d) => (
          <li key={d}>{d} <button type="button" className="small danger" aria-label={`Remove ${d}`} onClick={() => void run('DELETE', d)}>Remove</button></li>
        ))}
      </ul>
      <form className="card row wrap" onSubmit={(e) => { e.preventDefault(); void run('POST', domain); }} aria-label="Add a domain">
        <label className="grow">Domain <input value={domain} onChange={(e) => setDomain(e.target.value.toLowerCase())} required placeholder="www.example.com" /></label>
        <button type="submit" className="primary">Add</button>
      </form>
      <p className="muted">Point the domain's DNS (A record) at the gateway.</p>
      <ErrorLine error={error} />
    </div>
  );
}
