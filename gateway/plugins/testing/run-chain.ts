// Runs a plugin chain without sockets, for the plugins' unit tests: the config goes through the
// same validation and compile step as a PATCH (common/plugins), the runtime through the same
// runner as both engines (run.ts), and the body through the filters the chain sets up.
import { compilePluginChain, type PluginEntry } from '../../../common/plugins/index.js';
import { createLogger } from '../../../common/log/logger.js';
import { BUILTIN_PLUGINS } from '../builtins/index.js';
import { PluginHost, type CompiledChain } from '../chain.js';
import type { HeaderList } from '../header-list.js';
import type { GatewayPlugin } from '../types.js';

export interface FakeRequest {
  method?: string;
  path?: string;
  host?: string;
  proto?: 'http' | 'https';
  remote?: string;
  /** The client connection's identity (one object per keep-alive connection); a new one per request when unset. */
  connection?: object;
  headers?: Record<string, string>;
}

export interface FakeUpstream {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface Outcome {
  /** 'plugin': a plugin answered; 'app': the request reached the (fake) app. */
  by: 'plugin' | 'app';
  status: number;
  headers: HeaderList;
  body: Buffer;
  /** What the app received (when it was asked). */
  forwarded?: { path: string; headers: HeaderList };
}

const log = createLogger('test', 'silent');

/** A chain built from API-shaped entries (validated and compiled like a PATCH). */
export function chainOf(entries: PluginEntry[], extra: GatewayPlugin[] = [], redis: PluginHostRedis = null): CompiledChain {
  const compiled = compilePluginChain(entries);
  const host = new PluginHost(new Map([...BUILTIN_PLUGINS, ...extra].map((p) => [p.name, p])), { redis, log });
  return host.acquire('app', compiled)!;
}
type PluginHostRedis = ConstructorParameters<typeof PluginHost>[1]['redis'];

/** One request through `chain`, and through the fake app when no plugin answers. */
export async function send(chain: CompiledChain, req: FakeRequest = {}, app: FakeUpstream = {}): Promise<Outcome> {
  const headers: string[] = [];
  for (const [k, v] of Object.entries(req.headers ?? {})) headers.push(k, v);
  const method = req.method ?? 'GET';
  const run = chain.start(
    method,
    req.path ?? '/',
    req.host ?? 'app.paas.local',
    req.proto ?? 'http',
    req.remote ?? '203.0.113.7',
    req.connection ?? {},
    headers,
  );
  const answer = await run.request();
  let status: number;
  let raw: string[];
  let body: Buffer;
  let forwarded: Outcome['forwarded'];
  if (answer !== null) {
    ({ status, headers: raw, body } = answer);
  } else {
    forwarded = { path: run.path, headers: run.headers };
    status = app.status ?? 200;
    body = app.body === undefined ? Buffer.from('hello') : Buffer.from(app.body);
    raw = [];
    for (const [k, v] of Object.entries(app.headers ?? { 'content-type': 'text/plain', 'content-length': String(body.length) }))
      raw.push(k, v);
  }
  const bodyless = method === 'HEAD' || status === 204 || status === 304;
  const res = run.respond(status, raw, bodyless);
  if (res === null) throw new Error('a response hook failed');
  const chunks: Buffer[] = [];
  const out = await new Promise<Buffer>((resolve, reject) => {
    const w = res.writer(
      { write: (c) => chunks.push(c), end: () => resolve(Buffer.concat(chunks)), destroy: () => reject(new Error('destroyed')) },
      reject,
    );
    if (!bodyless) w.write(body);
    w.end();
  });
  return {
    by: answer !== null ? 'plugin' : 'app',
    status: res.status,
    headers: res.headers,
    body: out,
    ...(forwarded ? { forwarded } : {}),
  };
}
