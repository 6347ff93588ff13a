// Custom domains routed to the app (in addition to <app>.<platform domain>), and those pending
// until their TXT record proves the owner controls them (the record to create, a Verify button).
import { useEffect, useState } from 'react';
import { api, errorText } from '../../api';
import { useCan } from '../../access';
import { ErrorLine } from '../../components/ui';
import type { AppInfo } from '../../types';

interface Issued {
  domain: string;
  issuer: string;
  notAfter: string;
}
interface Pending {
  domain: string;
  record: { type: 'TXT'; name: string; value: string };
}

export default function Domains({ app, onChange }: { app: AppInfo; onChange: () => void }) {
  const [domain, setDomain] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [issuing, setIssuing] = useState<string | null>(null);
  const [issued, setIssued] = useState<Issued | null>(null);
  const { allowed, title } = useCan(app, 'operate');
  const [pending, setPending] = useState<Pending[]>([]);
  const loadPending = (): void => {
    api<Pending[]>('GET', `/apps/${app.name}/domains/pending`).then(setPending, () => undefined);
  };
  useEffect(loadPending, [app.name]);
  const verify = async (d: string): Promise<void> => {
    setError(null);
    try {
      await api('POST', `/apps/${app.name}/domains/${encodeURIComponent(d)}/verify`);
      loadPending();
      onChange();
    } catch (err) {
      setError(errorText(err));
    }
  };
  // An ACME order takes seconds (the CA fetches the challenge through the gateway): say so meanwhile.
  const certify = async (d: string): Promise<void> => {
    setError(null);
    setIssued(null);
    setIssuing(d);
    try {
      setIssued(await api<Issued>('POST', `/apps/${app.name}/domains/${encodeURIComponent(d)}/certificate/acme`));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setIssuing(null);
    }
  };
  const run = async (method: 'POST' | 'DELETE', d: string): Promise<void> => {
    setError(null);
    try {
      if (method === 'POST') await api('POST', `/apps/${app.name}/domains`, { domain: d });
      else await api('DELETE', `/apps/${app.name}/domains/${encodeURIComponent(d)}`);
      setDomain('');
      loadPending();
      onChange();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <div className="stack">
      <ul className="list">
        <li>
          <a href={app.url} target="_blank" rel="noreferrer noopener">
            {new URL(app.url).host}
          </a>{' '}
          <small className="muted">(platform)</small>
        </li>
        {app.domains.map((d) => (
          <li key={d}>
            {d}{' '}
            <button
              type="button"
              className="small"
              aria-label={`Get a certificate for ${d}`}
              disabled={!allowed || issuing !== null}
              title={title}
              onClick={() => void certify(d)}
            >
              {issuing === d ? 'Asking the CA…' : 'Get certificate'}
            </button>{' '}
            <button
              type="button"
              className="small danger"
              aria-label={`Remove ${d}`}
              disabled={!allowed}
              title={title}
              onClick={() => void run('DELETE', d)}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      {pending.length > 0 && (
        <div className="card stack" aria-label="Pending domains">
          <h3>Waiting for proof of ownership</h3>
          <p className="muted">Create this TXT record at the domain's DNS provider, then verify. Until then the domain is not routed.</p>
          <ul className="list">
            {pending.map((p) => (
              <li key={p.domain}>
                <strong>{p.domain}</strong>: <code>{p.record.name}</code> TXT <code>{p.record.value}</code>{' '}
                <button type="button" className="small" disabled={!allowed} title={title} onClick={() => void verify(p.domain)}>
                  Verify
                </button>{' '}
                <button
                  type="button"
                  className="small danger"
                  disabled={!allowed}
                  title={title}
                  onClick={() =>
                    void api('DELETE', `/apps/${app.name}/domains/pending/${encodeURIComponent(p.domain)}`).then(
                      loadPending,
                      (err: unknown) => setError(errorText(err)),
                    )
                  }
                >
                  Withdraw
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      <form
        className="card row wrap"
        onSubmit={(e) => {
          e.preventDefault();
          void run('POST', domain);
        }}
        aria-label="Add a domain"
      >
        <label className="grow">
          Domain <input value={domain} onChange={(e) => setDomain(e.target.value.toLowerCase())} required placeholder="www.example.com" />
        </label>
        <button type="submit" className="primary" disabled={!allowed} title={title}>
          Add
        </button>
      </form>
      <p className="muted">
        Point the domain's DNS (A record) at the gateway; then "Get certificate" obtains one from Let's Encrypt, renewed automatically.
      </p>
      {issued && (
        <p role="status">
          Certificate for {issued.domain} from {issued.issuer}, valid until {new Date(issued.notAfter).toLocaleDateString()}.
        </p>
      )}
      <ErrorLine error={error} />
    </div>
  );
}
