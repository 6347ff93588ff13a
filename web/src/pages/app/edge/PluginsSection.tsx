// The app's edge plugin chain: add, remove, reorder and edit plugins (a form per plugin), saved
// as one PATCH of the whole chain. A 400 names the field (`plugins[2].config.rate: …`): the
// message is shown on that plugin, next to the field when the form has one.
import { useState } from 'react';
import { api, ApiError, errorText } from '../../../api';
import { useCan } from '../../../access';
import { ErrorLine } from '../../../components/ui';
import type { AppInfo, PluginEntry } from '../../../types';
import { formFor, PLUGIN_FORMS, type Config } from './pluginForms';

interface Item extends PluginEntry {
  key: number;
}
let nextKey = 0;
const keyed = (list: PluginEntry[]): Item[] => list.map((p) => ({ ...p, key: nextKey++ }));

/** `plugins[2].config.rate: must be…` → {index: 2, key: 'rate', message}; the name field → key 'name'. */
function locate(err: unknown): { index: number; key: string; message: string } | null {
  if (!(err instanceof ApiError)) return null;
  const m = /^plugins\[(\d+)\]\.(?:config\.?([^.:]*)[^:]*|name): (.*)$/.exec(err.message);
  return m ? { index: Number(m[1]), key: m[0].includes('].name:') ? 'name' : (m[2] ?? ''), message: err.message } : null;
}

export default function PluginsSection({ app, onChange }: { app: AppInfo; onChange: () => void }) {
  const [items, setItems] = useState<Item[]>(() => keyed(app.plugins));
  const [adding, setAdding] = useState('basic-auth');
  const [custom, setCustom] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [fieldErr, setFieldErr] = useState<{ index: number; key: string; message: string } | null>(null);
  const [saved, setSaved] = useState(false);
  const operate = useCan(app, 'operate');

  const edit = (next: Item[]) => {
    setItems(next);
    setSaved(false);
  };
  const move = (i: number, by: number) => {
    const next = items.slice();
    const [it] = next.splice(i, 1);
    next.splice(i + by, 0, it!);
    edit(next);
  };
  const add = () => {
    const name = adding === 'custom' ? custom.trim() : adding;
    if (!name) return;
    edit([...items, { name, config: structuredClone(PLUGIN_FORMS[name]?.initial ?? {}), key: nextKey++ }]);
  };
  const save = async () => {
    setError(null);
    setFieldErr(null);
    try {
      const res = await api<AppInfo>('PATCH', `/apps/${app.name}`, { plugins: items.map(({ name, config }) => ({ name, config })) });
      setItems(keyed(res.plugins));
      setSaved(true);
      onChange();
    } catch (err) {
      const at = locate(err);
      if (at) setFieldErr(at);
      else setError(errorText(err));
    }
  };

  return (
    <section className="card stack" aria-label="Plugin chain">
      <h2>Plugin chain</h2>
      <p className="muted">
        Every gateway runs these on the app&apos;s requests, in order; the first may answer before the app is asked. Changes apply at once,
        without a deploy.
      </p>
      {items.length === 0 && <p className="muted">No plugins: requests go straight to the app.</p>}
      <ol className="stack plain">
        {items.map((it, i) => {
          const Form = formFor(it.name);
          const errorFor = (key: string): string | null =>
            fieldErr && fieldErr.index === i && (fieldErr.key === key || (key === '' && fieldErr.key !== 'name')) ? fieldErr.message : null;
          const shownOnField =
            fieldErr?.index === i &&
            fieldErr.key !== 'name' &&
            (fieldErr.key === '' || Object.hasOwn(it.config, fieldErr.key) || fieldErr.key in (PLUGIN_FORMS[it.name]?.initial ?? {}));
          return (
            <li key={it.key} className="card stack" aria-label={`Plugin ${i + 1}: ${it.name}`}>
              <div className="row between">
                <strong>
                  {i + 1}. {it.name}
                </strong>
                <span className="row">
                  <button type="button" disabled={i === 0} onClick={() => move(i, -1)} aria-label={`Move ${it.name} up`}>
                    ↑
                  </button>
                  <button type="button" disabled={i === items.length - 1} onClick={() => move(i, 1)} aria-label={`Move ${it.name} down`}>
                    ↓
                  </button>
                  <button type="button" onClick={() => edit(items.filter((_, j) => j !== i))}>
                    Remove
                  </button>
                </span>
              </div>
              {PLUGIN_FORMS[it.name] && <span className="muted">{PLUGIN_FORMS[it.name]!.about}</span>}
              <Form
                config={it.config}
                fieldError={errorFor}
                onChange={(config: Config) => edit(items.map((x, j) => (j === i ? { ...x, config } : x)))}
              />
              {fieldErr?.index === i && !shownOnField && (
                <span className="error" role="alert">
                  {fieldErr.message}
                </span>
              )}
            </li>
          );
        })}
      </ol>
      <div className="row wrap">
        <label>
          Add a plugin
          <select value={adding} onChange={(e) => setAdding(e.target.value)}>
            {Object.keys(PLUGIN_FORMS).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
            <option value="custom">another (operator plugin)…</option>
          </select>
        </label>
        {adding === 'custom' && (
          <label>
            Name <input value={custom} onChange={(e) => setCustom(e.target.value)} />
          </label>
        )}
        <button type="button" onClick={add}>
          Add
        </button>
      </div>
      <div className="row">
        <button type="button" className="primary" disabled={!operate.allowed} title={operate.title} onClick={() => void save()}>
          Save the chain
        </button>
        {saved && (
          <span className="ok" role="status">
            Saved: the gateways apply it now.
          </span>
        )}
      </div>
      <ErrorLine error={error} />
    </section>
  );
}
