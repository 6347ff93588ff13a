// Balancing strategy and the HTTP → HTTPS redirect: route settings every gateway follows at once.
import { useState } from 'react';
import { api, errorText } from '../../../api';
import { useCan } from '../../../access';
import { ErrorLine } from '../../../components/ui';
import type { AppInfo } from '../../../types';

export default function RoutingSection({ app, onChange }: { app: AppInfo; onChange: () => void }) {
  const [balance, setBalance] = useState(app.balance);
  const [httpsRedirect, setHttpsRedirect] = useState(app.httpsRedirect);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const operate = useCan(app, 'operate');
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    try {
      await api('PATCH', `/apps/${app.name}`, { balance, httpsRedirect });
      setSaved(true);
      onChange();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <form className="card stack" aria-label="Balancing and HTTPS redirect" onSubmit={(e) => void save(e)}>
      <h2>Balancing and HTTPS redirect</h2>
      <label>
        Balancing
        <select value={balance} onChange={(e) => setBalance(e.target.value as AppInfo['balance'])}>
          <option value="round-robin">round-robin</option>
          <option value="least-connections">least-connections (fewest requests in flight)</option>
        </select>
      </label>
      <label className="row">
        <input type="checkbox" checked={httpsRedirect} onChange={(e) => setHttpsRedirect(e.target.checked)} /> Redirect plain HTTP to HTTPS
        (308; ACME challenges excepted)
      </label>
      <div className="row">
        <button type="submit" className="primary" disabled={!operate.allowed} title={operate.title}>
          Save
        </button>
        {saved && (
          <span className="ok" role="status">
            Saved.
          </span>
        )}
      </div>
      <ErrorLine error={error} />
    </form>
  );
}
