// Record builders and assertions the conformance suites share.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { isDeployFlowError, type ErrorCode } from '../../../common/errors/catalogue.js';
import { DEFAULT_EDGE, type App, type AuditEvent, type Deployment, type NewUser, type RefreshToken, type Store } from '../types.js';

/** Each test gets a fresh, empty store; `store()` is the one of the running test. */
export interface Ctx {
  store(): Store;
  /** Closes the current store, opens the same data again and makes it current. */
  reopen?: () => Promise<Store>;
}

export const T0 = 1_700_000_000_000;

export function newUser(email: string, over: Partial<NewUser> = {}): NewUser {
  return { email, name: email.split('@')[0] ?? email, passwordHash: 'argon2-hash', googleId: null, role: 'developer', ...over };
}

export function newApp(name: string, ownerId: string, over: Partial<App> = {}): App {
  return {
    name,
    ownerId,
    ownerKind: 'user',
    collaboratorIds: [],
    replicas: 1,
    limits: { memoryMb: 256, cpus: 0.5 },
    healthcheck: { path: '/' },
    port: 3000,
    domains: [],
    webhookSecret: null,
    volumes: [],
    deployBranch: 'main',
    ...DEFAULT_EDGE,
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

export function newDeployment(app: string, createdAt: number, over: Partial<Deployment> = {}): Deployment {
  return {
    id: randomUUID(),
    app,
    status: 'queued',
    commit: null,
    ref: null,
    image: null,
    source: 'git',
    createdBy: null,
    createdAt,
    finishedAt: null,
    error: null,
    errorCode: null,
    ...over,
  };
}

export function newRefresh(userId: string, familyId: string, over: Partial<RefreshToken> = {}): RefreshToken {
  return {
    id: randomUUID(),
    userId,
    familyId,
    tokenHash: randomUUID().replaceAll('-', ''),
    createdAt: T0,
    expiresAt: T0 + 86_400_000,
    rotatedAt: null,
    revokedAt: null,
    ...over,
  };
}

export function newAudit(at: number, over: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: randomUUID(),
    at,
    actorId: null,
    actorEmail: null,
    action: 'app.create',
    target: null,
    result: 'ok',
    ip: null,
    details: null,
    ...over,
  };
}

/** Asserts that `p` rejects with a DeployFlowError carrying exactly `code`. */
export async function rejectsWith(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isDeployFlowError(err), `expected a DeployFlowError ${code}, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

/** Splits settled results into values and DeployFlowError codes; anything else fails the test. */
export function outcomes<T>(results: PromiseSettledResult<T>[]): { ok: T[]; codes: string[] } {
  const ok: T[] = [];
  const codes: string[] = [];
  for (const r of results) {
    if (r.status === 'fulfilled') ok.push(r.value);
    else if (isDeployFlowError(r.reason)) codes.push(r.reason.code);
    else throw r.reason;
  }
  return { ok, codes };
}
