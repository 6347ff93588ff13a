// The REST client: Bearer access token from the session, one shared refresh when it expires
// (refresh tokens rotate, so two parallel refreshes would revoke the session), errors as
// ApiError with the server's DF_ERR_* code.
export interface User {
  id: string;
  email: string;
  name: string;
  role: 'admin' | 'developer' | 'viewer';
  google: boolean;
  disabled?: boolean;
}
export interface Session {
  user: User;
  accessToken: string;
  refreshToken: string;
}

const KEY = 'deployflow.session';
type Listener = (s: Session | null) => void;
const listeners = new Set<Listener>();

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const session = {
  get(): Session | null {
    try {
      return JSON.parse(localStorage.getItem(KEY) ?? 'null') as Session | null;
    } catch {
      return null;
    }
  },
  set(s: Session | null): void {
    if (s) localStorage.setItem(KEY, JSON.stringify(s));
    else localStorage.removeItem(KEY);
    for (const l of listeners) l(s);
  },
  subscribe(l: Listener): () => void {
    listeners.add(l);
    return () => listeners.delete(l);
  },
};

let refreshing: Promise<boolean> | null = null;

/** Trades the refresh token for a new pair once, however many callers ask at the same time. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    const current = session.get();
    if (!current) return false;
    const res = await fetch('/api/v1/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: current.refreshToken }),
    });
    if (!res.ok) {
      // A password change ends every other session and hands this tab new tokens: the socket's
      // refresh with the old token can fail after they arrived. Only the session refreshed ends.
      const now = session.get();
      if (now && now.refreshToken !== current.refreshToken) return true;
      session.set(null);
      return false;
    }
    session.set((await res.json()) as Session);
    return true;
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

async function send(method: string, path: string, body: unknown): Promise<Response> {
  const token = session.get()?.accessToken;
  return fetch(`/api/v1${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

async function request(method: string, path: string, body?: unknown): Promise<Response> {
  let res = await send(method, path, body);
  if (res.status === 401 && session.get() && (await refreshSession())) res = await send(method, path, body);
  if (!res.ok) {
    const err = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
    throw new ApiError(res.status, err?.error?.code ?? 'DF_ERR_INTERNAL', err?.error?.message ?? `HTTP ${res.status}`);
  }
  return res;
}

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await request(method, path, body);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

export async function apiText(path: string): Promise<string> {
  return (await request('GET', path)).text();
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError) return `${err.message} (${err.code})`;
  return err instanceof Error ? err.message : String(err);
}
