// The store: one small interface per aggregate, two backends behind it (embedded SQLite and
// MongoDB), one conformance suite (conformance.ts) that every backend must pass. Records are
// plain data; ids are opaque strings; times are epoch milliseconds.
//
// Every method that changes more than one record, or checks-then-writes (uniqueness, quotas,
// "first user is admin", refresh rotation), is atomic in every backend.

import type { ErrorCode } from '../../common/errors/catalogue.js';

export type Role = 'admin' | 'developer' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'developer', 'viewer'];

export interface User {
  id: string;
  email: string; // stored lower case; unique
  name: string;
  role: Role;
  passwordHash: string | null; // null for accounts that only sign in with Google
  googleId: string | null; // unique when set
  createdAt: number;
  /** Set when an admin disabled the account: every credential of it is refused until enabled. */
  disabledAt: number | null;
  /** Carried by access tokens; bumped when a password changes or the account is disabled, which ends every earlier session. */
  sessionVersion: number;
}

export interface NewUser {
  email: string;
  name: string;
  passwordHash: string | null;
  googleId: string | null;
  /** Role unless this is the very first user, who always becomes admin. */
  role: Role;
}

export interface UserStore {
  /** Throws DF_ERR_EMAIL_TAKEN on a duplicate email (or DF_ERR_CONFLICT on a duplicate googleId). */
  create(input: NewUser): Promise<User>;
  get(id: string): Promise<User | null>;
  getByEmail(email: string): Promise<User | null>;
  getByGoogleId(googleId: string): Promise<User | null>;
  list(): Promise<User[]>;
  count(): Promise<number>;
  /** Returns the updated user, or null when there is no such user. */
  update(
    id: string,
    patch: Partial<Pick<User, 'name' | 'role' | 'passwordHash' | 'googleId' | 'disabledAt' | 'sessionVersion'>>,
  ): Promise<User | null>;
  /**
   * Removes the user with their API, refresh and SSH keys, collaborations, team memberships and
   * notifications, in one step; false when absent. Apps they own are the caller's to move or
   * delete first; audit events keep their id and e-mail.
   */
  delete(id: string): Promise<boolean>;
}

export interface AppLimits {
  memoryMb: number;
  cpus: number;
}

/** A named Docker volume of the app (`deployflow.<app>.<name>`) mounted at `path`; survives redeploys, goes with the app. */
export interface AppVolume {
  name: string;
  path: string;
}

/** Scale to zero: stop the containers after this many seconds without a request (0 = never). */
export interface ScaleToZero {
  idleSeconds: number;
}

/** What each replica should carry: requests per second, or requests in flight at once. */
export type AutoscaleTarget = { rps: number } | { inflight: number };

/** Request-driven autoscaling between two replica counts (minReplicas 0 combines with scale to zero). */
export interface Autoscale {
  minReplicas: number;
  maxReplicas: number;
  target: AutoscaleTarget;
}

/** One entry of the app's edge plugin chain, as stored (secrets already hashed). */
export interface AppPlugin {
  name: string;
  config: Record<string, unknown>;
}

/** The app's edge settings: how the gateways treat its traffic. */
export interface AppEdge {
  scaleToZero: ScaleToZero;
  autoscale: Autoscale | null;
  plugins: AppPlugin[];
  balance: 'round-robin' | 'least-connections';
  /** Answer plain HTTP with a redirect to HTTPS. */
  httpsRedirect: boolean;
}

export const EDGE_KEYS = ['scaleToZero', 'autoscale', 'plugins', 'balance', 'httpsRedirect'] as const satisfies readonly (keyof AppEdge)[];

export const DEFAULT_EDGE: AppEdge = {
  scaleToZero: { idleSeconds: 0 },
  autoscale: null,
  plugins: [],
  balance: 'round-robin',
  httpsRedirect: false,
};

/** Who owns an app: one user, or a team whose members get rights by their team role. */
export type OwnerKind = 'user' | 'team';

export interface App extends AppEdge {
  name: string; // validated AppName; unique; the app's identity
  /** A user id, or a team id when `ownerKind` is `team`; quotas count per owner either way. */
  ownerId: string;
  ownerKind: OwnerKind;
  collaboratorIds: string[];
  replicas: number;
  limits: AppLimits;
  healthcheck: { path: string };
  port: number;
  domains: string[];
  webhookSecret: string | null;
  volumes: AppVolume[];
  /** The branch whose pushes and webhooks deploy (`main` by default; `master` also deploys on git push). */
  deployBranch: string;
  createdAt: number;
  updatedAt: number;
}

export type AppPatch = Partial<
  Pick<
    App,
    | 'replicas'
    | 'limits'
    | 'healthcheck'
    | 'port'
    | 'domains'
    | 'webhookSecret'
    | 'collaboratorIds'
    | 'volumes'
    | 'deployBranch'
    | keyof AppEdge
  >
>;

export interface AppStore {
  /**
   * Creates the app unless its owner already has `maxPerOwner` apps (DF_ERR_QUOTA_EXCEEDED) or
   * the name is taken (DF_ERR_APP_EXISTS). The check and the insert are one atomic step.
   */
  create(app: App, maxPerOwner: number): Promise<App>;
  get(name: string): Promise<App | null>;
  list(): Promise<App[]>;
  /** Apps the user owns or collaborates on, by name. */
  listForUser(userId: string): Promise<App[]>;
  countOwnedBy(userId: string): Promise<number>;
  update(name: string, patch: AppPatch): Promise<App | null>;
  /**
   * Gives the app to another owner unless that owner already has `maxPerOwner` apps
   * (DF_ERR_QUOTA_EXCEEDED); the new owner stops being a collaborator. One atomic step; null when absent.
   */
  transfer(name: string, to: { ownerId: string; ownerKind: OwnerKind }, maxPerOwner: number): Promise<App | null>;
  /** Removes the app with its env vars and collaborators in one atomic step; false when absent. */
  delete(name: string): Promise<boolean>;
}

/** Env values are stored only as ciphertext; the store never sees a plain value. */
export interface EnvStore {
  get(app: string): Promise<Record<string, string>>;
  /** Applies all changes atomically: a string sets the key, null removes it. */
  apply(app: string, changes: Record<string, string | null>): Promise<Record<string, string>>;
}

export type DeploymentStatus = 'queued' | 'building' | 'deploying' | 'running' | 'failed' | 'superseded' | 'cancelled';

export interface Deployment {
  id: string;
  app: string;
  status: DeploymentStatus;
  commit: string | null;
  ref: string | null;
  image: string | null;
  /** What started it: git push, a webhook, a git URL given to the API, an image, a redeploy, a rollback. */
  source: 'git' | 'webhook' | 'url' | 'image' | 'redeploy' | 'rollback';
  createdBy: string | null;
  createdAt: number;
  finishedAt: number | null;
  error: string | null;
  /**
   * The failure's DF_ERR_* code (DF_ERR_INTERNAL when it was not a DeployFlowError); null while
   * it has not failed, and on deployments that failed before the code was recorded.
   */
  errorCode: ErrorCode | null;
}

export interface DeploymentStore {
  create(d: Deployment): Promise<Deployment>;
  get(id: string): Promise<Deployment | null>;
  /** Newest first. */
  listByApp(app: string, limit?: number): Promise<Deployment[]>;
  update(
    id: string,
    patch: Partial<Pick<Deployment, 'status' | 'image' | 'commit' | 'finishedAt' | 'error' | 'errorCode'>>,
  ): Promise<Deployment | null>;
  appendLog(id: string, text: string): Promise<void>;
  getLog(id: string): Promise<string>;
}

export interface ApiToken {
  id: string;
  userId: string;
  name: string;
  tokenHash: string; // sha256 hex of the token; the token itself is shown once and never stored
  createdAt: number;
  lastUsedAt: number | null;
}

export interface ApiTokenStore {
  create(t: ApiToken): Promise<ApiToken>;
  getByHash(tokenHash: string): Promise<ApiToken | null>;
  listForUser(userId: string): Promise<ApiToken[]>;
  /** Only the token's own user may revoke it: false when (id, userId) does not match. */
  revoke(id: string, userId: string): Promise<boolean>;
  touch(id: string, at: number): Promise<void>;
}

export interface RefreshToken {
  id: string;
  userId: string;
  familyId: string; // every token rotated from one login shares it
  tokenHash: string;
  createdAt: number;
  expiresAt: number;
  rotatedAt: number | null; // set once when exchanged for a successor
  revokedAt: number | null;
}

export interface RefreshTokenStore {
  create(t: RefreshToken): Promise<RefreshToken>;
  getByHash(tokenHash: string): Promise<RefreshToken | null>;
  /**
   * Marks `id` rotated and inserts its successor, atomically and only if `id` was neither
   * rotated nor revoked. Returns false when it lost that race (a reuse).
   */
  rotate(id: string, successor: RefreshToken, at: number): Promise<boolean>;
  revokeFamily(familyId: string, at: number): Promise<void>;
  revokeAllForUser(userId: string, at: number): Promise<void>;
}

/** A public key registered for git over SSH (POST /api/v1/keys). */
export interface SshKey {
  id: string;
  userId: string;
  name: string; // the key's comment, or a label the user chose
  publicKey: string; // the OpenSSH line as registered
  fingerprint: string; // "SHA256:<base64>" of the key blob; unique across all users
  createdAt: number;
}

export interface SshKeyStore {
  /** Throws DF_ERR_CONFLICT when a key with that fingerprint is already registered (by anyone). */
  create(k: SshKey): Promise<SshKey>;
  getByFingerprint(fingerprint: string): Promise<SshKey | null>;
  listForUser(userId: string): Promise<SshKey[]>;
  /** Only the key's own user may remove it: false when (id, userId) does not match. */
  delete(id: string, userId: string): Promise<boolean>;
}

export interface AuditEvent {
  id: string;
  at: number;
  actorId: string | null;
  actorEmail: string | null;
  action: string; // e.g. "app.create", "auth.login"
  target: string | null; // e.g. "app:web", "user:<id>"
  result: 'ok' | 'error';
  ip: string | null;
  details: Record<string, unknown> | null;
}

export interface AuditQuery {
  actorId?: string;
  action?: string;
  target?: string;
  /** Only events strictly older than this time (paging). */
  before?: number;
  limit?: number;
}

export interface AuditStore {
  append(e: AuditEvent): Promise<void>;
  /** Newest first. */
  query(q: AuditQuery): Promise<AuditEvent[]>;
}

export interface SettingsStore {
  get<T>(key: string): Promise<T | null>;
  set<T>(key: string, value: T): Promise<void>;
}

export type NotificationKind = 'deploy.started' | 'deploy.succeeded' | 'deploy.failed' | 'autoscale.refused' | 'wake.failed';

/** One in-app notification of one user (control/notifications). */
export interface Notification {
  id: string;
  userId: string;
  kind: NotificationKind;
  app: string | null;
  deploymentId: string | null;
  message: string;
  createdAt: number;
  readAt: number | null;
}

export interface NotificationQuery {
  unreadOnly?: boolean;
  /** Only notifications strictly older than this time (paging). */
  before?: number;
  limit?: number;
}

export interface NotificationStore {
  create(n: Notification): Promise<Notification>;
  /** Newest first. */
  listForUser(userId: string, q?: NotificationQuery): Promise<Notification[]>;
  unreadCount(userId: string): Promise<number>;
  /** Marks that user's notifications read (the given ids, or every unread one); returns how many changed. */
  markRead(userId: string, ids: string[] | null, at: number): Promise<number>;
  /** Delivery settings per user or per app, as JSON the notifications module defines. */
  getSettings<T>(scope: 'user' | 'app', id: string): Promise<T | null>;
  setSettings<T>(scope: 'user' | 'app', id: string, value: T): Promise<void>;
  deleteSettings(scope: 'user' | 'app', id: string): Promise<void>;
}

/**
 * An invitation by e-mail (control/accounts/invitations): to the platform with a role (an admin's),
 * or to collaborate on one app (`app` set, `role` null). The token is shown once and stored only as
 * its SHA-256; an invitation is pending until accepted, revoked or past `expiresAt`.
 */
export interface Invitation {
  id: string;
  tokenHash: string; // unique
  email: string; // lower case
  role: Role | null;
  app: string | null;
  invitedBy: string;
  createdAt: number;
  expiresAt: number;
  acceptedAt: number | null;
  revokedAt: number | null;
}

export interface InvitationStore {
  /** Throws DF_ERR_CONFLICT on a duplicate id or token hash. */
  create(i: Invitation): Promise<Invitation>;
  get(id: string): Promise<Invitation | null>;
  getByTokenHash(tokenHash: string): Promise<Invitation | null>;
  /** Invitations pending at `at` (all, or those of one app), oldest first. */
  listPending(at: number, app?: string): Promise<Invitation[]>;
  /** Marks it accepted only if it is pending at `at`; false when it was used, revoked or expired (one caller wins a race). */
  accept(id: string, at: number): Promise<boolean>;
  /** Undoes an acceptance made at `at` whose purpose then failed (the account or collaboration was not created). */
  release(id: string, at: number): Promise<void>;
  /** Revokes it if still pending; false otherwise. */
  revoke(id: string, at: number): Promise<boolean>;
  /** Revokes every pending invitation to `app` (the app is deleted); returns how many. */
  revokeForApp(app: string, at: number): Promise<number>;
}

/**
 * Rights a member has on the team's apps: admin — those of an owner, and manages the team;
 * developer — operate; viewer — read.
 */
export type TeamRole = 'admin' | 'developer' | 'viewer';
export const TEAM_ROLES: readonly TeamRole[] = ['admin', 'developer', 'viewer'];

/** A named group of users that owns apps together (control/teams). Names need not be unique. */
export interface Team {
  id: string;
  name: string;
  createdAt: number;
  updatedAt: number;
}

export interface TeamMember {
  teamId: string;
  userId: string;
  role: TeamRole;
  addedAt: number;
}

export interface TeamStore {
  /** Creates the team with `adminId` as its first admin, in one step. */
  create(team: Team, adminId: string): Promise<Team>;
  get(id: string): Promise<Team | null>;
  /** Every team, by name. */
  list(): Promise<Team[]>;
  /** The teams `userId` belongs to, with their role, by name. */
  listForUser(userId: string): Promise<{ team: Team; role: TeamRole }[]>;
  rename(id: string, name: string, at: number): Promise<Team | null>;
  /** Removes the team and its memberships (its apps are the caller's concern); false when absent. */
  delete(id: string): Promise<boolean>;
  /** Members in the order they were added. */
  members(teamId: string): Promise<TeamMember[]>;
  roleOf(teamId: string, userId: string): Promise<TeamRole | null>;
  /**
   * Adds a member or changes their role; demoting the team's last admin is refused with
   * DF_ERR_CONFLICT (check and write in one step). Null when there is no such team.
   */
  setMember(teamId: string, userId: string, role: TeamRole, at: number): Promise<TeamMember | null>;
  /** Removes a member; the team's last admin is refused with DF_ERR_CONFLICT. False when not a member. */
  removeMember(teamId: string, userId: string): Promise<boolean>;
}

export interface Store {
  readonly backend: 'sqlite' | 'mongodb';
  users: UserStore;
  apps: AppStore;
  env: EnvStore;
  deployments: DeploymentStore;
  apiTokens: ApiTokenStore;
  refreshTokens: RefreshTokenStore;
  sshKeys: SshKeyStore;
  audit: AuditStore;
  settings: SettingsStore;
  notifications: NotificationStore;
  invitations: InvitationStore;
  teams: TeamStore;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
