// The documents the MongoDB backend stores, and the indexes that carry its uniqueness rules.
// Records whose natural key is unique use it as `_id` (apps by name, settings by key), so the
// primary key itself enforces it.
import type { Collection, Db, IndexDescription, ObjectId } from 'mongodb';
import type { ErrorCode } from '../../../common/errors/catalogue.js';
import type { AppEdge, AppLimits, AppVolume, DeploymentStatus, Deployment, OwnerKind, Role } from '../types.js';

export interface UserDoc {
  _id: string;
  email: string;
  name: string;
  role: Role;
  passwordHash: string | null;
  googleId: string | null;
  createdAt: number;
  /** Absent on documents written before accounts could be disabled. */
  disabledAt?: number | null;
  sessionVersion?: number;
}

/** Fixed-id markers, e.g. `first-admin`: inserting one is a race only one caller can win. */
export interface MetaDoc {
  _id: string;
  userId: string;
  at: number;
}

/** Apps owned per user (`apps:<ownerId>`), moved only by conditional `$inc`. */
export interface CounterDoc {
  _id: string;
  count: number;
}

/** Env vars and collaborators live inside the app so that every change to them is one document. */
export interface AppDoc {
  _id: string;
  ownerId: string;
  /** Absent on documents written before teams could own apps (read as `user`). */
  ownerKind?: OwnerKind;
  collaboratorIds: string[];
  replicas: number;
  limits: AppLimits;
  healthcheck: { path: string };
  port: number;
  domains: string[];
  webhookSecret: string | null;
  volumes?: AppVolume[];
  deployBranch?: string;
  /** Edge settings; absent on documents written before they existed (read as defaults). */
  scaleToZero?: AppEdge['scaleToZero'];
  autoscale?: AppEdge['autoscale'];
  plugins?: AppEdge['plugins'];
  balance?: AppEdge['balance'];
  httpsRedirect?: boolean;
  createdAt: number;
  updatedAt: number;
  env: Record<string, string>;
}

export interface DeploymentDoc {
  _id: string;
  app: string;
  status: DeploymentStatus;
  commit: string | null;
  ref: string | null;
  image: string | null;
  source: Deployment['source'];
  createdBy: string | null;
  createdAt: number;
  finishedAt: number | null;
  error: string | null;
  /** Absent on documents written before failures kept their code (read as null). */
  errorCode?: ErrorCode | null;
  /** Insertion order, to break ties between deployments created in the same millisecond. */
  ord: ObjectId;
  /** Last log chunk number handed out; `$inc` on it orders appends from any process. */
  logSeq: number;
}

export interface LogChunkDoc {
  _id?: ObjectId;
  deploymentId: string;
  seq: number;
  text: string;
}

export interface ApiTokenDoc {
  _id: string;
  userId: string;
  name: string;
  tokenHash: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface RefreshTokenDoc {
  _id: string;
  userId: string;
  familyId: string;
  tokenHash: string;
  createdAt: number;
  expiresAt: number;
  rotatedAt: number | null;
  revokedAt: number | null;
}

export interface SshKeyDoc {
  _id: string;
  userId: string;
  name: string;
  publicKey: string;
  fingerprint: string;
  createdAt: number;
}

export interface AuditDoc {
  _id: string;
  ord: ObjectId;
  at: number;
  actorId: string | null;
  actorEmail: string | null;
  action: string;
  target: string | null;
  result: 'ok' | 'error';
  ip: string | null;
  /** JSON text, so details come back exactly as SQLite gives them (no BSON key rules, no Dates). */
  details: string | null;
}

/** JSON text for the same reason as audit details. */
export interface SettingDoc {
  _id: string;
  json: string;
}

export interface Collections {
  users: Collection<UserDoc>;
  meta: Collection<MetaDoc>;
  counters: Collection<CounterDoc>;
  apps: Collection<AppDoc>;
  deployments: Collection<DeploymentDoc>;
  logChunks: Collection<LogChunkDoc>;
  apiTokens: Collection<ApiTokenDoc>;
  refreshTokens: Collection<RefreshTokenDoc>;
  sshKeys: Collection<SshKeyDoc>;
  audit: Collection<AuditDoc>;
  settings: Collection<SettingDoc>;
}

const NAMES: { [K in keyof Collections]: string } = {
  users: 'users',
  meta: 'meta',
  counters: 'counters',
  apps: 'apps',
  deployments: 'deployments',
  logChunks: 'deployment_log_chunks',
  apiTokens: 'api_tokens',
  refreshTokens: 'refresh_tokens',
  sshKeys: 'ssh_keys',
  audit: 'audit_events',
  settings: 'settings',
};

export function collections(db: Db): Collections {
  const n = NAMES;
  return {
    users: db.collection<UserDoc>(n.users),
    meta: db.collection<MetaDoc>(n.meta),
    counters: db.collection<CounterDoc>(n.counters),
    apps: db.collection<AppDoc>(n.apps),
    deployments: db.collection<DeploymentDoc>(n.deployments),
    logChunks: db.collection<LogChunkDoc>(n.logChunks),
    apiTokens: db.collection<ApiTokenDoc>(n.apiTokens),
    refreshTokens: db.collection<RefreshTokenDoc>(n.refreshTokens),
    sshKeys: db.collection<SshKeyDoc>(n.sshKeys),
    audit: db.collection<AuditDoc>(n.audit),
    settings: db.collection<SettingDoc>(n.settings),
  };
}

// googleId is null for password-only accounts; a partial index on strings keeps it unique when
// set without making every null collide (a sparse index would still index explicit nulls).
const INDEXES: { [K in keyof Collections]?: IndexDescription[] } = {
  users: [
    { key: { email: 1 }, name: 'email_unique', unique: true },
    { key: { googleId: 1 }, name: 'googleId_unique', unique: true, partialFilterExpression: { googleId: { $type: 'string' } } },
  ],
  apps: [
    { key: { ownerId: 1 }, name: 'ownerId' },
    { key: { collaboratorIds: 1 }, name: 'collaboratorIds' },
  ],
  deployments: [{ key: { app: 1, createdAt: -1, ord: -1 }, name: 'app_createdAt' }],
  logChunks: [{ key: { deploymentId: 1, seq: 1 }, name: 'deployment_seq_unique', unique: true }],
  apiTokens: [
    { key: { tokenHash: 1 }, name: 'tokenHash_unique', unique: true },
    { key: { userId: 1 }, name: 'userId' },
  ],
  refreshTokens: [
    { key: { tokenHash: 1 }, name: 'tokenHash_unique', unique: true },
    { key: { familyId: 1 }, name: 'familyId' },
    { key: { userId: 1 }, name: 'userId' },
  ],
  sshKeys: [
    { key: { fingerprint: 1 }, name: 'fingerprint_unique', unique: true },
    { key: { userId: 1 }, name: 'userId' },
  ],
  audit: [
    { key: { at: -1, ord: -1 }, name: 'at' },
    { key: { actorId: 1, at: -1 }, name: 'actorId_at' },
    { key: { action: 1, at: -1 }, name: 'action_at' },
    { key: { target: 1, at: -1 }, name: 'target_at' },
  ],
};

/** Idempotent: creating an index that exists with the same definition is a no-op. */
export async function ensureIndexes(db: Db): Promise<void> {
  for (const [name, indexes] of Object.entries(INDEXES) as [keyof Collections, IndexDescription[]][]) {
    await db.collection(NAMES[name]).createIndexes(indexes);
  }
}
