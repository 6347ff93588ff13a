// One small form per built-in plugin, editing the config object the API takes; plugins the
// dashboard has no form for (an operator's own) are edited as JSON. Fields are named after the
// config keys, so a 400 naming `plugins[i].config.<key>` can be shown next to its field.
import { useState } from 'react';

export type Config = Record<string, unknown>;
export interface FormProps {
  config: Config;
  onChange: (c: Config) => void;
  fieldError: (key: string) => string | null;
}

const lines = (v: unknown): string => (Array.isArray(v) ? v.join('\n') : '');
const toList = (text: string): string[] =>
  text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
const num = (v: string): number | undefined => (v.trim() === '' ? undefined : Number(v));
const pairsText = (o: unknown): string =>
  Object.entries((o ?? {}) as Record<string, string>)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
const toPairs = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => {
        const i = l.indexOf(':');
        return i === -1 ? [l, ''] : [l.slice(0, i).trim(), l.slice(i + 1).trim()];
      }),
  );
const without = (c: Config, key: string): Config => {
  const { [key]: _gone, ...rest } = c;
  return rest;
};
const setOrDrop = (c: Config, key: string, value: unknown): Config =>
  value === undefined || value === '' ? without(c, key) : { ...c, [key]: value };

function Field({ label, error, children }: { label: string; error: string | null; children: React.ReactNode }) {
  return (
    <label>
      {label} {children}
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </label>
  );
}

function BasicAuthForm({ config, onChange, fieldError }: FormProps) {
  const users = (config.users ?? {}) as Record<string, string | null>;
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  return (
    <div className="stack">
      <Field label="Users" error={fieldError('users')}>
        <ul className="plain">
          {Object.entries(users).map(([u, p]) => (
            <li key={u} className="row">
              <code>{u}</code>
              <span className="muted">{p === null ? 'password kept' : 'new password'}</span>
              <button type="button" onClick={() => onChange({ ...config, users: without(users, u) })}>
                Remove {u}
              </button>
            </li>
          ))}
        </ul>
      </Field>
      <div className="row wrap">
        <label>
          User name <input value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Password <input type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <button
          type="button"
          disabled={!name || !password}
          onClick={() => {
            onChange({ ...config, users: { ...users, [name]: password } });
            setName('');
            setPassword('');
          }}
        >
          Add user
        </button>
      </div>
      <Field label="Realm" error={fieldError('realm')}>
        <input value={String(config.realm ?? '')} onChange={(e) => onChange(setOrDrop(config, 'realm', e.target.value))} />
      </Field>
    </div>
  );
}

function IpFilterForm({ config, onChange, fieldError }: FormProps) {
  return (
    <div className="grid2">
      {(['allow', 'deny'] as const).map((k) => (
        <Field key={k} label={`${k === 'allow' ? 'Allow' : 'Deny'} (one CIDR or address per line)`} error={fieldError(k)}>
          <textarea
            rows={3}
            defaultValue={lines(config[k])}
            onChange={(e) => onChange(setOrDrop(config, k, toList(e.target.value).length ? toList(e.target.value) : undefined))}
          />
        </Field>
      ))}
    </div>
  );
}

function NumberField({ k, label, config, onChange, fieldError }: FormProps & { k: string; label: string }) {
  return (
    <Field label={label} error={fieldError(k)}>
      <input
        type="number"
        value={config[k] === undefined ? '' : String(config[k])}
        onChange={(e) => onChange(setOrDrop(config, k, num(e.target.value)))}
      />
    </Field>
  );
}

function HeadersForm({ config, onChange, fieldError }: FormProps) {
  const side = (s: 'request' | 'response') => (config[s] ?? {}) as { add?: Record<string, string>; remove?: string[] };
  const update = (s: 'request' | 'response', part: Config) => {
    const next = { ...side(s), ...part } as Config;
    for (const k of Object.keys(next)) if (next[k] === undefined) delete next[k];
    onChange(setOrDrop(config, s, Object.keys(next).length ? next : undefined));
  };
  return (
    <div className="grid2">
      {(['request', 'response'] as const).map((s) => (
        <div key={s} className="stack">
          <Field label={`${s === 'request' ? 'Request' : 'Response'}: set (Name: value per line)`} error={fieldError(s)}>
            <textarea
              rows={3}
              defaultValue={pairsText(side(s).add)}
              onChange={(e) => update(s, { add: e.target.value.trim() ? toPairs(e.target.value) : undefined })}
            />
          </Field>
          <label>
            {s === 'request' ? 'Request' : 'Response'}: remove (names, comma-separated)
            <input
              defaultValue={(side(s).remove ?? []).join(', ')}
              onChange={(e) => update(s, { remove: toList(e.target.value).length ? toList(e.target.value) : undefined })}
            />
          </label>
        </div>
      ))}
    </div>
  );
}

function RedirectForm({ config, onChange, fieldError }: FormProps) {
  const prefixes = (config.prefixes ?? []) as { from: string; to: string }[];
  return (
    <div className="grid2">
      <label className="row">
        <input
          type="checkbox"
          checked={config.https === true}
          onChange={(e) => onChange(setOrDrop(config, 'https', e.target.checked || undefined))}
        />{' '}
        HTTP to HTTPS
      </label>
      <Field label="Host" error={fieldError('host')}>
        <select value={String(config.host ?? '')} onChange={(e) => onChange(setOrDrop(config, 'host', e.target.value || undefined))}>
          <option value="">unchanged</option>
          <option value="www">add www.</option>
          <option value="apex">remove www.</option>
        </select>
      </Field>
      <Field label="Path prefixes (/old -> /new per line)" error={fieldError('prefixes')}>
        <textarea
          rows={3}
          defaultValue={prefixes.map((p) => `${p.from} -> ${p.to}`).join('\n')}
          onChange={(e) => {
            const list = e.target.value
              .split('\n')
              .map((l) => l.split('->').map((s) => s.trim()))
              .filter((p) => p[0])
              .map(([from, to]) => ({ from: from!, to: to ?? '' }));
            onChange(setOrDrop(config, 'prefixes', list.length ? list : undefined));
          }}
        />
      </Field>
      <label className="row">
        <input
          type="checkbox"
          checked={config.permanent !== false}
          onChange={(e) => onChange({ ...config, permanent: e.target.checked })}
        />{' '}
        Permanent (308; else 307)
      </label>
    </div>
  );
}

function CorsForm({ config, onChange, fieldError }: FormProps) {
  const list = (k: string, label: string) => (
    <Field label={label} error={fieldError(k)}>
      <input
        defaultValue={((config[k] as string[] | undefined) ?? []).join(', ')}
        onChange={(e) => onChange(setOrDrop(config, k, toList(e.target.value).length ? toList(e.target.value) : undefined))}
      />
    </Field>
  );
  return (
    <div className="grid2">
      {list('origins', 'Origins (comma-separated, or *)')}
      {list('methods', 'Methods')}
      {list('headers', 'Allowed request headers (empty: those asked for)')}
      {list('exposeHeaders', 'Exposed response headers')}
      <label className="row">
        <input
          type="checkbox"
          checked={config.credentials === true}
          onChange={(e) => onChange({ ...config, credentials: e.target.checked })}
        />{' '}
        Allow credentials
      </label>
      {fieldError('credentials') && (
        <span className="error" role="alert">
          {fieldError('credentials')}
        </span>
      )}
      <NumberField k="maxAgeSeconds" label="Preflight max age (s)" config={config} onChange={onChange} fieldError={fieldError} />
    </div>
  );
}

function JsonForm({ config, onChange, fieldError }: FormProps) {
  const [text, setText] = useState(JSON.stringify(config, null, 2));
  const [bad, setBad] = useState(false);
  return (
    <Field label="Config (JSON)" error={bad ? 'not valid JSON' : fieldError('')}>
      <textarea
        rows={5}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          try {
            onChange(JSON.parse(e.target.value) as Config);
            setBad(false);
          } catch {
            setBad(true);
          }
        }}
      />
    </Field>
  );
}

/** The form for a plugin, and the config a new entry starts with. */
export const PLUGIN_FORMS: Record<string, { form: (p: FormProps) => React.ReactElement; initial: Config; about: string }> = {
  'basic-auth': { form: BasicAuthForm, initial: { users: {} }, about: 'HTTP Basic authentication (passwords stored hashed)' },
  'ip-filter': { form: IpFilterForm, initial: { allow: [] }, about: 'Allow or deny client addresses (CIDRs)' },
  'rate-limit': {
    form: (p) => (
      <div className="grid2">
        <NumberField {...p} k="rate" label="Requests per period and address" />
        <NumberField {...p} k="periodSeconds" label="Period (s)" />
      </div>
    ),
    initial: { rate: 10, periodSeconds: 1 },
    about: 'Requests per client address, shared by every gateway; 429 beyond',
  },
  headers: { form: HeadersForm, initial: { response: { add: {} } }, about: 'Set and remove request and response headers' },
  redirect: { form: RedirectForm, initial: { https: true }, about: 'HTTPS, www ↔ apex and path prefix redirects' },
  cors: { form: CorsForm, initial: { origins: [] }, about: 'Answer preflights and add CORS headers' },
  compress: {
    form: (p) => (
      <div className="grid2">
        <NumberField {...p} k="minBytes" label="Smallest body compressed (bytes)" />
      </div>
    ),
    initial: {},
    about: 'gzip or brotli by Accept-Encoding',
  },
  cache: {
    form: (p) => (
      <div className="grid2">
        <NumberField {...p} k="maxEntries" label="Entries kept" />
        <NumberField {...p} k="maxBytes" label="Bytes kept" />
        <NumberField {...p} k="maxEntryBytes" label="Largest response kept (bytes)" />
        <NumberField {...p} k="defaultTtlSeconds" label="Lifetime without max-age (s, 0: none)" />
      </div>
    ),
    initial: {},
    about: 'Per-app in-memory response cache honouring Cache-Control and Vary',
  },
};

export const formFor = (name: string): ((p: FormProps) => React.ReactElement) => PLUGIN_FORMS[name]?.form ?? JsonForm;
