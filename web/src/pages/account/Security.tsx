// Account security: change the password (other sessions end; this one continues) and two-factor
// sign-in — set-up with a QR code for the authenticator app, confirmation with a first code,
// recovery codes shown once, and turning it off.
import { useEffect, useState } from 'react';
import QRCode from 'qrcode';
import { api, errorText, session, type Session } from '../../api';
import { ErrorLine } from '../../components/ui';

interface SecondFactorState {
  enabled: boolean;
  recoveryCodesLeft: number;
  requiredForAdmins: boolean;
}

function PasswordCard() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      className="card stack"
      aria-label="Change password"
      onSubmit={(e) => {
        e.preventDefault();
        api<Session>('POST', '/auth/password', { currentPassword: current, newPassword: next }).then(
          (s) => {
            session.set(s);
            setCurrent('');
            setNext('');
            setError(null);
            setStatus('Password changed. Every other session was signed out.');
          },
          (err: unknown) => {
            setStatus(null);
            setError(errorText(err));
          },
        );
      }}
    >
      <h2>Password</h2>
      <label>
        Current password{' '}
        <input type="password" required value={current} onChange={(e) => setCurrent(e.target.value)} autoComplete="current-password" />
      </label>
      <label>
        New password{' '}
        <input type="password" required minLength={8} value={next} onChange={(e) => setNext(e.target.value)} autoComplete="new-password" />
      </label>
      <ErrorLine error={error} />
      {status && <p role="status">{status}</p>}
      <button type="submit">Change password</button>
    </form>
  );
}

function SecondFactorCard() {
  const [state, setState] = useState<SecondFactorState | null>(null);
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [setup, setSetup] = useState<{ secret: string; qr: string } | null>(null);
  const [recovery, setRecovery] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = (): void => {
    api<SecondFactorState>('GET', '/auth/2fa').then(setState, () => undefined);
  };
  useEffect(load, []);
  const fail = (err: unknown): void => setError(errorText(err));
  if (!state) return null;
  return (
    <div className="card stack">
      <h2>Two-factor sign-in</h2>
      {state.requiredForAdmins && <p className="muted">Required for admins on this platform.</p>}
      <p data-testid="second-factor-state">{state.enabled ? `On — ${state.recoveryCodesLeft} recovery codes left.` : 'Off.'}</p>
      <ErrorLine error={error} />
      {recovery && (
        <div className="stack">
          <p>
            <strong>Recovery codes</strong> — each works once in place of a code. Keep them somewhere safe; they are shown only now.
          </p>
          <pre data-testid="recovery-codes">{recovery.join('\n')}</pre>
        </div>
      )}
      {!state.enabled && !setup && (
        <form
          className="row wrap"
          aria-label="Set up two-factor sign-in"
          onSubmit={(e) => {
            e.preventDefault();
            api<{ secret: string; otpauthUrl: string }>('POST', '/auth/2fa/setup', { password }).then(async (r) => {
              setSetup({ secret: r.secret, qr: await QRCode.toDataURL(r.otpauthUrl) });
              setPassword('');
              setError(null);
            }, fail);
          }}
        >
          <label className="grow">
            Password{' '}
            <input
              type="password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              autoComplete="current-password"
            />
          </label>
          <button type="submit">Set up</button>
        </form>
      )}
      {!state.enabled && setup && (
        <form
          className="stack"
          aria-label="Confirm two-factor sign-in"
          onSubmit={(e) => {
            e.preventDefault();
            api<{ recoveryCodes: string[] }>('POST', '/auth/2fa/confirm', { code }).then((r) => {
              setRecovery(r.recoveryCodes);
              setSetup(null);
              setCode('');
              setError(null);
              load();
            }, fail);
          }}
        >
          <p>Scan this with your authenticator app, or type the key by hand.</p>
          <img src={setup.qr} alt="QR code of the two-factor secret" width={180} height={180} />
          <code data-testid="second-factor-secret">{setup.secret}</code>
          <label>
            Code from the app{' '}
            <input value={code} onChange={(e) => setCode(e.target.value)} required inputMode="numeric" autoComplete="one-time-code" />
          </label>
          <button type="submit" className="primary">
            Turn on
          </button>
        </form>
      )}
      {state.enabled && (
        <form
          className="row wrap"
          aria-label="Turn off two-factor sign-in"
          onSubmit={(e) => {
            e.preventDefault();
            api('POST', '/auth/2fa/disable', { password, code }).then(() => {
              setPassword('');
              setCode('');
              setRecovery(null);
              setError(null);
              load();
            }, fail);
          }}
        >
          <label className="grow">
            Password{' '}
            <input
              type="password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              autoComplete="current-password"
            />
          </label>
          <label className="grow">
            Code <input value={code} onChange={(e) => setCode(e.target.value)} required autoComplete="one-time-code" />
          </label>
          <button type="submit" className="danger">
            Turn off
          </button>
        </form>
      )}
    </div>
  );
}

export default function Security() {
  return (
    <>
      <PasswordCard />
      <SecondFactorCard />
    </>
  );
}
