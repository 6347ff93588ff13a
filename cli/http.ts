// A small client of DeployFlow's public REST API (/api/v1) over fetch. Every failure becomes one
// CliError: the API's own `DF_ERR_*` code and message, or the cause when the platform cannot be
// reached or does not answer like DeployFlow.
import { CliError, EXIT, exitCodeOfStatus } from './errors.js';

export interface ApiOptions {
  url: string;
  token?: string | null;
}

function reachError(url: string, err: unknown): CliError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (err as Error).message;
  return new CliError('DF_ERR_UNAVAILABLE', `Cannot reach DeployFlow at ${url} (${why}); set DEPLOYFLOW_URL or log in with --url`);
}

export class Api {
  readonly url: string;
  readonly token: string | null;

  constructor(options: ApiOptions) {
    this.url = options.url;
    this.token = options.token ?? null;
  }

  withToken(token: string): Api {
    return new Api({ url: this.url, token });
  }

  /** Sends one request; resolves to the parsed JSON answer (or the text of a text answer). */
  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const target = apiUrl(this.url, path);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(target, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), redirect: 'error' });
    } catch (err) {
      throw reachError(this.url, err);
    }
    const text = await res.text();
    if (res.headers.get('content-type')?.includes('text/html')) {
      // DeployFlow's API answers JSON or plain text, never a page: this is some other web server.
      throw new CliError(
        'DF_ERR_UNAVAILABLE',
        `${this.url} answered ${res.status} ${res.statusText} with a web page to ${method} ${target.pathname}: is it a DeployFlow platform?`,
      );
    }
    const json = res.headers.get('content-type')?.includes('application/json') ? safeParse(text) : undefined;
    if (!res.ok) {
      const error = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      if (error && typeof error.code === 'string' && typeof error.message === 'string') {
        throw new CliError(error.code, error.message, exitCodeOfStatus(res.status));
      }
      throw new CliError(
        'DF_ERR_UNAVAILABLE',
        `${this.url} answered ${res.status} ${res.statusText} to ${method} ${target.pathname}: is it a DeployFlow platform?`,
      );
    }
    if (res.status === 204 || text === '') return undefined as T;
    if (json === undefined && res.headers.get('content-type')?.includes('application/json')) {
      throw new CliError('DF_ERR_UNAVAILABLE', `${this.url} sent invalid JSON for ${method} ${target.pathname}`);
    }
    return (json ?? text) as T;
  }

  get<T = unknown>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }
  post<T = unknown>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, body);
  }
  put<T = unknown>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }
  patch<T = unknown>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }
  delete<T = unknown>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }
}

/** The API address of `path` on the platform at `base`, which must be an http(s) URL with its scheme. */
function apiUrl(base: string, path: string): URL {
  let url: URL | null = null;
  try {
    url = new URL(`/api/v1${path}`, base);
  } catch {
    // below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    const host = base.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
    throw new CliError(
      'DF_ERR_VALIDATION',
      `${base} is not an http:// or https:// URL: give the platform with its scheme, e.g. https://${host}`,
      EXIT.usage,
    );
  }
  return url;
}

function safeParse(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

export const segment = (value: string): string => encodeURIComponent(value);
