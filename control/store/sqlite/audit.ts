import { AUDIT_DEFAULT_LIMIT, checkLimit } from '../shared.js';
import type { AuditEvent, AuditStore } from '../types.js';
import type { Db } from './db.js';

interface AuditRow {
  id: string;
  at: number;
  actor_id: string | null;
  actor_email: string | null;
  action: string;
  target: string | null;
  result: AuditEvent['result'];
  ip: string | null;
  details: string | null;
}

const toEvent = (r: AuditRow): AuditEvent => ({
  id: r.id,
  at: r.at,
  actorId: r.actor_id,
  actorEmail: r.actor_email,
  action: r.action,
  target: r.target,
  result: r.result,
  ip: r.ip,
  details: r.details === null ? null : (JSON.parse(r.details) as Record<string, unknown>),
});

export function sqliteAudit(db: Db): AuditStore {
  const insert = db.prepare(
    `INSERT INTO audit_events (id, at, actor_id, actor_email, action, target, result, ip, details)
     VALUES (@id, @at, @actor_id, @actor_email, @action, @target, @result, @ip, @details)`,
  );

  return {
    async append(e) {
      insert.run({
        id: e.id,
        at: e.at,
        actor_id: e.actorId,
        actor_email: e.actorEmail,
        action: e.action,
        target: e.target,
        result: e.result,
        ip: e.ip,
        details: e.details === null ? null : JSON.stringify(e.details),
      });
    },
    async query(q) {
      // Only fixed fragments go into the SQL; every value is a bound parameter.
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: checkLimit(q.limit) ?? AUDIT_DEFAULT_LIMIT };
      const filters: [keyof typeof q, string][] = [
        ['actorId', 'actor_id = @actorId'],
        ['action', 'action = @action'],
        ['target', 'target = @target'],
        ['before', 'at < @before'],
      ];
      for (const [field, clause] of filters) {
        if (q[field] === undefined) continue;
        where.push(clause);
        params[field] = q[field];
      }
      const sql = `SELECT * FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                   ORDER BY at DESC, seq DESC LIMIT @limit`;
      return db.prepare<[Record<string, unknown>], AuditRow>(sql).all(params).map(toEvent);
    },
  };
}
