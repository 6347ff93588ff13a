/* eslint-disable @typescript-eslint/no-explicit-any --
   response bodies are whatever JSON the API answered; tests read them as `any` on purpose. */
// Starts a real control instance (real HTTP on 127.0.0.1, real store in a temp data dir) for a
// test file, with a small JSON client around fetch.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../common/config/config.js';
import { createLogger } from '../../common/log/logger.js';
import { startControl } from '../../control/index.js';

export interface TestControl {
  url: string;
  config: Config;
  dataDir: string;
  service: Awaited<ReturnType<typeof startControl>>;
  /** Stops control; keeps the data dir unless `removeData`. */
  stop(removeData?: boolean): Promise<void>;
}

export async function startTestControl(env: Record<string, string> = {}, dataDir?: string): Promise<TestControl> {
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'deployflow-test-'));
  const config = loadConfig({
    DEPLOYFLOW_DATA_DIR: dir,
    DEPLOYFLOW_BIND: '127.0.0.1',
    CONTROL_PORT: '0',
    DEPLOYFLOW_LOG_LEVEL: 'silent',
    // Tests of routing, certificates and the dashboard add example domains no DNS can vouch for;
    // the ownership check itself is tested with it on (test/domain-verification.test.ts).
    DEPLOYFLOW_DOMAIN_VERIFICATION: 'off',
    ...env,
  });
  const service = await startControl(config, createLogger('test', 'silent'));
  const url = service.addresses[0]!.replace('0.0.0.0', '127.0.0.1');
  return {
    url,
    config,
    dataDir: dir,
    service,
    stop: async (removeData = true) => {
      await service.stop();
      if (removeData) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export class Client {
  constructor(
    readonly base: string,
    public token: string | null = null,
  ) {}

  async request<T = any>(method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const res = await fetch(this.base + urlPath, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* plain text answer */
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  get<T = any>(p: string) {
    return this.request<T>('GET', p);
  }
  post<T = any>(p: string, b?: unknown) {
    return this.request<T>('POST', p, b ?? {});
  }
  put<T = any>(p: string, b?: unknown) {
    return this.request<T>('PUT', p, b ?? {});
  }
  patch<T = any>(p: string, b?: unknown) {
    return this.request<T>('PATCH', p, b ?? {});
  }
  delete<T = any>(p: string) {
    return this.request<T>('DELETE', p);
  }
}

let counter = 0;

/** Registers a fresh user and returns a client signed in as them. */
export async function registerUser(
  base: string,
  role?: 'admin' | 'developer' | 'viewer',
  admin?: Client,
): Promise<Client & { userId: string; email: string; refreshToken: string }> {
  counter += 1;
  const email = `user${counter}-${Date.now()}@example.test`;
  const res = await new Client(base).post('/api/v1/auth/register', { email, password: 'correct horse battery' });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  const client = Object.assign(new Client(base, res.body.accessToken), {
    userId: res.body.user.id as string,
    email,
    refreshToken: res.body.refreshToken as string,
  });
  if (role && role !== res.body.user.role) {
    if (!admin) throw new Error('an admin client is needed to set a role');
    const set = await admin.patch(`/api/v1/users/${client.userId}`, { role });
    if (set.status !== 200) throw new Error(`role change failed: ${set.status}`);
  }
  return client;
}

/**
 * Makes `member` a collaborator of `app` the way a person does: the owner invites the address
 * (control runs without SMTP here, so the link comes back in the answer) and the member, signed
 * in, accepts it.
 */
export async function addCollaborator(owner: Client, app: string, member: Client & { email: string }): Promise<void> {
  const sent = await owner.post(`/api/v1/apps/${app}/collaborators`, { email: member.email });
  if (sent.status !== 202 || typeof sent.body.url !== 'string')
    throw new Error(`invitation failed: ${sent.status} ${JSON.stringify(sent.body)}`);
  const accepted = await member.post('/api/v1/invitations/accept', { token: invitationToken(sent.body.url) });
  if (accepted.status !== 200) throw new Error(`accepting failed: ${accepted.status} ${JSON.stringify(accepted.body)}`);
}

/** The token of an invitation link (`…/invite#token=…`). */
export function invitationToken(url: string): string {
  return decodeURIComponent(url.split('#token=')[1] ?? '');
}
