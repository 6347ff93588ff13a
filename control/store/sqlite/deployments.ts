import { DeployFlowError, type ErrorCode } from '../../../common/errors/catalogue.js';
import { checkLimit } from '../shared.js';
import type { Deployment, DeploymentStore } from '../types.js';
import type { Db } from './db.js';

interface DeploymentRow {
  id: string;
  app: string;
  status: Deployment['status'];
  commit_sha: string | null;
  ref: string | null;
  image: string | null;
  source: Deployment['source'];
  created_by: string | null;
  created_at: number;
  finished_at: number | null;
  error: string | null;
  error_code: ErrorCode | null;
}

const toDeployment = (r: DeploymentRow): Deployment => ({
  id: r.id,
  app: r.app,
  status: r.status,
  commit: r.commit_sha,
  ref: r.ref,
  image: r.image,
  source: r.source,
  createdBy: r.created_by,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
  error: r.error,
  errorCode: r.error_code,
});

const PATCH_COLUMNS = {
  status: 'status',
  image: 'image',
  commit: 'commit_sha',
  finishedAt: 'finished_at',
  error: 'error',
  errorCode: 'error_code',
} as const;
type DeploymentPatch = Partial<Pick<Deployment, keyof typeof PATCH_COLUMNS>>;

export function sqliteDeployments(db: Db): DeploymentStore {
  const byId = db.prepare<[string], DeploymentRow>('SELECT * FROM deployments WHERE id = ?');
  const insert = db.prepare(
    `INSERT INTO deployments (id, app, status, commit_sha, ref, image, source, created_by, created_at, finished_at, error, error_code)
     VALUES (@id, @app, @status, @commit_sha, @ref, @image, @source, @created_by, @created_at, @finished_at, @error, @error_code)`,
  );
  // rowid breaks ties between deployments created in the same millisecond: later is newer.
  const byApp = db.prepare<[string, number], DeploymentRow>(
    'SELECT * FROM deployments WHERE app = ? ORDER BY created_at DESC, rowid DESC LIMIT ?',
  );
  const appendChunk = db.prepare('INSERT INTO deployment_log_chunks (deployment_id, text) VALUES (?, ?)');
  const chunks = db.prepare<[string], { text: string }>('SELECT text FROM deployment_log_chunks WHERE deployment_id = ? ORDER BY seq');

  const updateTx = db.transaction((id: string, patch: DeploymentPatch): Deployment | null => {
    const sets: string[] = [];
    const values: Record<string, unknown> = { id };
    for (const [field, column] of Object.entries(PATCH_COLUMNS) as [keyof DeploymentPatch, string][]) {
      if (patch[field] === undefined) continue;
      sets.push(`${column} = @${column}`);
      values[column] = patch[field];
    }
    if (sets.length > 0) db.prepare(`UPDATE deployments SET ${sets.join(', ')} WHERE id = @id`).run(values);
    const r = byId.get(id);
    return r ? toDeployment(r) : null;
  });

  return {
    async create(d) {
      try {
        insert.run({
          id: d.id,
          app: d.app,
          status: d.status,
          commit_sha: d.commit,
          ref: d.ref,
          image: d.image,
          source: d.source,
          created_by: d.createdBy,
          created_at: d.createdAt,
          finished_at: d.finishedAt,
          error: d.error,
          error_code: d.errorCode,
        });
      } catch (err) {
        if (byId.get(d.id)) throw new DeployFlowError('DF_ERR_CONFLICT', 'A deployment with that id already exists');
        throw err;
      }
      const stored = byId.get(d.id);
      if (!stored) throw new Error('deployment vanished right after its insert');
      return toDeployment(stored);
    },
    async get(id) {
      const r = byId.get(id);
      return r ? toDeployment(r) : null;
    },
    async listByApp(app, limit) {
      // LIMIT -1 is SQLite for "no limit".
      return byApp.all(app, checkLimit(limit) ?? -1).map(toDeployment);
    },
    async update(id, patch) {
      return updateTx.immediate(id, patch);
    },
    async appendLog(id, text) {
      // The foreign key refuses chunks for a deployment that does not exist.
      try {
        appendChunk.run(id, text);
      } catch (err) {
        if (!byId.get(id)) throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No such deployment', { id });
        throw err;
      }
    },
    async getLog(id) {
      return chunks
        .all(id)
        .map((c) => c.text)
        .join('');
    },
  };
}
