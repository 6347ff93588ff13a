import { DeployFlowError } from '../../../common/errors/catalogue.js';
import { appPatchFields, edgeOf, pickEdge, uniqueIds } from '../shared.js';
import type { App, AppPatch, AppStore, OwnerKind } from '../types.js';
import type { Db } from './db.js';

interface AppRow {
  name: string;
  owner_id: string;
  owner_kind: OwnerKind;
  replicas: number;
  memory_mb: number;
  cpus: number;
  healthcheck_path: string;
  port: number;
  domains: string;
  webhook_secret: string | null;
  volumes: string;
  deploy_branch: string;
  /** JSON of the edge settings (AppEdge). */
  edge: string;
  created_at: number;
  updated_at: number;
}

function toRow(app: App): AppRow {
  return {
    name: app.name,
    owner_id: app.ownerId,
    owner_kind: app.ownerKind,
    replicas: app.replicas,
    memory_mb: app.limits.memoryMb,
    cpus: app.limits.cpus,
    healthcheck_path: app.healthcheck.path,
    port: app.port,
    domains: JSON.stringify(app.domains),
    webhook_secret: app.webhookSecret,
    volumes: JSON.stringify(app.volumes),
    deploy_branch: app.deployBranch,
    edge: JSON.stringify(pickEdge(app)),
    created_at: app.createdAt,
    updated_at: app.updatedAt,
  };
}

export function sqliteApps(db: Db): AppStore {
  const byName = db.prepare<[string], AppRow>('SELECT * FROM apps WHERE name = ?');
  const collaborators = db.prepare<[string], { user_id: string }>('SELECT user_id FROM app_collaborators WHERE app = ? ORDER BY rowid');
  const countOwned = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM apps WHERE owner_id = ?');
  const insert = db.prepare(
    `INSERT INTO apps (name, owner_id, owner_kind, replicas, memory_mb, cpus, healthcheck_path, port, domains, webhook_secret, volumes,
       deploy_branch, edge, created_at, updated_at)
     VALUES (@name, @owner_id, @owner_kind, @replicas, @memory_mb, @cpus, @healthcheck_path, @port, @domains, @webhook_secret, @volumes, @deploy_branch,
       @edge, @created_at, @updated_at)`,
  );
  const addCollaborator = db.prepare('INSERT INTO app_collaborators (app, user_id) VALUES (?, ?)');
  const clearCollaborators = db.prepare('DELETE FROM app_collaborators WHERE app = ?');

  const toApp = (r: AppRow): App => ({
    name: r.name,
    ownerId: r.owner_id,
    ownerKind: r.owner_kind,
    collaboratorIds: collaborators.all(r.name).map((c) => c.user_id),
    replicas: r.replicas,
    limits: { memoryMb: r.memory_mb, cpus: r.cpus },
    healthcheck: { path: r.healthcheck_path },
    port: r.port,
    domains: JSON.parse(r.domains) as string[],
    webhookSecret: r.webhook_secret,
    volumes: JSON.parse(r.volumes) as App['volumes'],
    deployBranch: r.deploy_branch,
    ...edgeOf(JSON.parse(r.edge) as Partial<App>),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });

  const setCollaborators = (name: string, ids: readonly string[]): void => {
    clearCollaborators.run(name);
    for (const id of uniqueIds(ids)) addCollaborator.run(name, id);
  };

  // Quota first, like the MongoDB backend, so both answer the same when both rules are broken.
  const createTx = db.transaction((app: App, maxPerOwner: number): App => {
    if ((countOwned.get(app.ownerId)?.n ?? 0) >= maxPerOwner) {
      throw new DeployFlowError('DF_ERR_QUOTA_EXCEEDED', `You may own at most ${maxPerOwner} apps`, { max: maxPerOwner });
    }
    if (byName.get(app.name)) throw new DeployFlowError('DF_ERR_APP_EXISTS');
    insert.run(toRow(app));
    setCollaborators(app.name, app.collaboratorIds);
    const stored = byName.get(app.name);
    if (!stored) throw new Error('app vanished inside its own transaction');
    return toApp(stored);
  });

  const updateTx = db.transaction((name: string, patch: AppPatch): App | null => {
    const current = byName.get(name);
    if (!current) return null;
    const merged = toRow({ ...toApp(current), ...appPatchFields(patch), updatedAt: Date.now() });
    db.prepare(
      `UPDATE apps SET replicas = @replicas, memory_mb = @memory_mb, cpus = @cpus, healthcheck_path = @healthcheck_path,
         port = @port, domains = @domains, webhook_secret = @webhook_secret, volumes = @volumes, deploy_branch = @deploy_branch,
         edge = @edge, updated_at = @updated_at WHERE name = @name`,
    ).run(merged);
    if (patch.collaboratorIds !== undefined) setCollaborators(name, patch.collaboratorIds);
    const stored = byName.get(name);
    return stored ? toApp(stored) : null;
  });

  // The receiving owner's app count is checked inside the write lock, like a create.
  const transferTx = db.transaction((name: string, to: { ownerId: string; ownerKind: OwnerKind }, maxPerOwner: number): App | null => {
    const current = byName.get(name);
    if (!current) return null;
    if (current.owner_id === to.ownerId && current.owner_kind === to.ownerKind) return toApp(current);
    if ((countOwned.get(to.ownerId)?.n ?? 0) >= maxPerOwner) {
      throw new DeployFlowError('DF_ERR_QUOTA_EXCEEDED', `The new owner may own at most ${maxPerOwner} apps`, { max: maxPerOwner });
    }
    db.prepare('UPDATE apps SET owner_id = ?, owner_kind = ?, updated_at = ? WHERE name = ?').run(
      to.ownerId,
      to.ownerKind,
      Date.now(),
      name,
    );
    db.prepare('DELETE FROM app_collaborators WHERE app = ? AND user_id = ?').run(name, to.ownerId);
    const stored = byName.get(name);
    return stored ? toApp(stored) : null;
  });

  // Env vars and collaborators go by ON DELETE CASCADE; deployments and their logs are removed
  // too, so whoever creates an app of the same name later cannot read the old one's history.
  const deleteTx = db.transaction((name: string): boolean => {
    db.prepare('DELETE FROM deployments WHERE app = ?').run(name);
    return db.prepare('DELETE FROM apps WHERE name = ?').run(name).changes > 0;
  });

  return {
    async create(app, maxPerOwner) {
      return createTx.immediate(app, maxPerOwner);
    },
    async get(name) {
      const r = byName.get(name);
      return r ? toApp(r) : null;
    },
    async list() {
      return db.prepare<[], AppRow>('SELECT * FROM apps ORDER BY name').all().map(toApp);
    },
    async listForUser(userId) {
      return db
        .prepare<[string, string], AppRow>(
          `SELECT * FROM apps WHERE owner_id = ?
             OR name IN (SELECT app FROM app_collaborators WHERE user_id = ?) ORDER BY name`,
        )
        .all(userId, userId)
        .map(toApp);
    },
    async countOwnedBy(userId) {
      return countOwned.get(userId)?.n ?? 0;
    },
    async update(name, patch) {
      return updateTx.immediate(name, patch);
    },
    async transfer(name, to, maxPerOwner) {
      return transferTx.immediate(name, to, maxPerOwner);
    },
    async delete(name) {
      return deleteTx.immediate(name);
    },
  };
}
