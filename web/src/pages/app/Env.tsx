// Env vars: masked by default, revealed on request (for those allowed), set and removed one at
// a time; a change takes effect at the next deploy, so a redeploy button follows it.
import { useCallback, useEffect, useState } from 'react';
import { api, errorText } from '../../api';
import { useCan } from '../../access';
import { ErrorLine } from '../../components/ui';
import type { AppInfo } from '../../types';

export default function Env({ app }: { app: AppInfo }) {
  const [vars, setVars] = useState<Record<string, string>>({});
  const [masked, setMasked] = useState(true);
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [changed, setChanged] = useState(false);
  const operate = useCan(app, 'operate');
  const reveal = useCan(app, 'reveal');
  const load = useCallback(
    (reveal: boolean) => {
      api<{ vars: Record<string, string>; masked: boolean }>('GET', `/apps/${app.name}/env?reveal=${reveal}`).then(
        (r) => {
          setVars(r.vars);
          setMasked(r.masked);
        },
        (err: unknown) => setError(errorText(err)),
      );
    },
    [app.name],
  );
  useEffect(() => load(false), [load]);
  const run = async (fn: () => Promise<unknown>): Promise<void> => {
    setError(null);
    try {
      await fn();
      setChanged(true);
      load(!masked);
    } catch (err) {
      setError(errorText(err));
    }
  };
  const save = (e: React.FormEvent): void => {
    e.preventDefault();
    void run(() => api('PUT', `/apps/${app.name}/env`, { vars: { [key]: value } })).then(() => {
      setKey('');
      setValue('');
    });
  };
  return (
    <div className="stack">
      <div className="row">
        <button type="button" disabled={masked && !reveal.allowed} title={masked ? reveal.title : undefined} onClick={() => load(masked)}>
          {masked ? 'Reveal values' : 'Hide values'}
        </button>
        {changed && (
          <button
            type="button"
            className="primary"
            disabled={!operate.allowed}
            title={operate.title}
            onClick={() =>
              void api('POST', `/apps/${app.name}/deployments`, {}).then(
                () => setChanged(false),
                (err: unknown) => setError(errorText(err)),
              )
            }
          >
            Redeploy to apply
          </button>
        )}
      </div>
      <table className="table env">
        <thead>
          <tr>
            <th>Key</th>
            <th>Value</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {Object.entries(vars).map(([k, v]) => (
            <tr key={k}>
              <td>
                <code>{k}</code>
              </td>
              <td className="value">
                <code>{v}</code>
              </td>
              <td className="row">
                <button
                  type="button"
                  className="small"
                  disabled={!operate.allowed}
                  title={operate.title}
                  onClick={() => {
                    setKey(k);
                    setValue(masked ? '' : v);
                  }}
                >
                  Edit
                </button>
                <button
                  type="button"
                  className="small danger"
                  aria-label={`Remove ${k}`}
                  disabled={!operate.allowed}
                  title={operate.title}
                  onClick={() => void run(() => api('DELETE', `/apps/${app.name}/env/${encodeURIComponent(k)}`))}
                >
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="card row wrap" onSubmit={save} aria-label="Set a variable">
        <label>
          Key{' '}
          <input
            value={key}
            onChange={(e) => setKey(e.target.value)}
            required
            pattern="[A-Za-z_][A-Za-z0-9_]*"
            placeholder="DATABASE_URL"
          />
        </label>
        <label className="grow">
          Value <input value={value} onChange={(e) => setValue(e.target.value)} placeholder="value" />
        </label>
        <button type="submit" className="primary" disabled={!operate.allowed} title={operate.title}>
          Set
        </button>
      </form>
      <ErrorLine error={error} />
    </div>
  );
}
