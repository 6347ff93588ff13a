// The schema, as an ordered list of migrations. A migration, once released, is never edited:
// databases in the field have already applied it. Change the schema by appending a new one.
//
// Foreign keys point only at apps and deployments, never at users: the MongoDB backend cannot
// enforce them, and both backends must behave the same under the conformance suite.

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'developer', 'viewer')),
        password_hash TEXT,
        google_id TEXT UNIQUE,
        created_at INTEGER NOT NULL
      );

      CREATE TABLE apps (
        name TEXT PRIMARY KEY,
        owner_id TEXT NOT NULL,
        replicas INTEGER NOT NULL,
        memory_mb INTEGER NOT NULL,
        cpus REAL NOT NULL,
        healthcheck_path TEXT NOT NULL,
        port INTEGER NOT NULL,
        domains TEXT NOT NULL,
        webhook_secret TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX apps_owner ON apps (owner_id);

      CREATE TABLE app_collaborators (
        app TEXT NOT NULL REFERENCES apps (name) ON DELETE CASCADE,
        user_id TEXT NOT NULL,
        PRIMARY KEY (app, user_id)
      );
      CREATE INDEX app_collaborators_user ON app_collaborators (user_id);

      CREATE TABLE env_vars (
        app TEXT NOT NULL REFERENCES apps (name) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (app, key)
      );

      CREATE TABLE deployments (
        id TEXT PRIMARY KEY,
        app TEXT NOT NULL,
        status TEXT NOT NULL,
        commit_sha TEXT,
        ref TEXT,
        image TEXT,
        source TEXT NOT NULL,
        created_by TEXT,
        created_at INTEGER NOT NULL,
        finished_at INTEGER,
        error TEXT
      );
      CREATE INDEX deployments_app_created ON deployments (app, created_at DESC);

      -- Logs are append-only chunks; seq keeps them in the order they were written.
      CREATE TABLE deployment_log_chunks (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        deployment_id TEXT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
        text TEXT NOT NULL
      );
      CREATE INDEX deployment_log_chunks_deployment ON deployment_log_chunks (deployment_id, seq);

      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER
      );
      CREATE INDEX api_tokens_user ON api_tokens (user_id);

      CREATE TABLE refresh_tokens (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        family_id TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        rotated_at INTEGER,
        revoked_at INTEGER
      );
      CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
      CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

      -- seq breaks ties between events recorded in the same millisecond.
      CREATE TABLE audit_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        at INTEGER NOT NULL,
        actor_id TEXT,
        actor_email TEXT,
        action TEXT NOT NULL,
        target TEXT,
        result TEXT NOT NULL,
        ip TEXT,
        details TEXT
      );
      CREATE INDEX audit_at ON audit_events (at DESC, seq DESC);
      CREATE INDEX audit_actor ON audit_events (actor_id, at DESC);
      CREATE INDEX audit_action ON audit_events (action, at DESC);
      CREATE INDEX audit_target ON audit_events (target, at DESC);

      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'ssh keys',
    sql: `
      CREATE TABLE ssh_keys (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        name TEXT NOT NULL,
        public_key TEXT NOT NULL,
        fingerprint TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX ssh_keys_user ON ssh_keys (user_id);
    `,
  },
  {
    version: 3,
    name: 'app volumes and deploy branch',
    sql: `
      ALTER TABLE apps ADD COLUMN volumes TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE apps ADD COLUMN deploy_branch TEXT NOT NULL DEFAULT 'main';
    `,
  },
  {
    version: 4,
    name: 'notifications',
    sql: `
      CREATE TABLE notifications (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        app TEXT,
        deployment_id TEXT,
        message TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        read_at INTEGER
      );
      CREATE INDEX notifications_user ON notifications (user_id, created_at DESC, seq DESC);
      CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;

      CREATE TABLE notification_settings (
        scope TEXT NOT NULL CHECK (scope IN ('user', 'app')),
        id TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (scope, id)
      );
    `,
  },
  {
    version: 5,
    name: 'app edge settings',
    sql: `
      ALTER TABLE apps ADD COLUMN edge TEXT NOT NULL DEFAULT '{}';
    `,
  },
  {
    version: 6,
    name: 'account disabling and session versions',
    sql: `
      ALTER TABLE users ADD COLUMN disabled_at INTEGER;
      ALTER TABLE users ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 7,
    name: 'invitations',
    sql: `
      CREATE TABLE invitations (
        id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        email TEXT NOT NULL,
        role TEXT CHECK (role IN ('admin', 'developer', 'viewer')),
        app TEXT,
        invited_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        accepted_at INTEGER,
        revoked_at INTEGER
      );
      CREATE INDEX invitations_pending ON invitations (app, created_at) WHERE accepted_at IS NULL AND revoked_at IS NULL;
    `,
  },
  {
    version: 8,
    name: 'teams and app owner kinds',
    sql: `
      ALTER TABLE apps ADD COLUMN owner_kind TEXT NOT NULL DEFAULT 'user' CHECK (owner_kind IN ('user', 'team'));

      CREATE TABLE teams (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );

      CREATE TABLE team_members (
        team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
        user_id TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'developer', 'viewer')),
        added_at INTEGER NOT NULL,
        PRIMARY KEY (team_id, user_id)
      );
      CREATE INDEX team_members_user ON team_members (user_id);
    `,
  },
  {
    version: 9,
    name: 'deployment error codes',
    // Deployments that failed before this migration keep a null code: which one it was is not known.
    sql: `
      ALTER TABLE deployments ADD COLUMN error_code TEXT;
    `,
  },
];
