import { ObjectId, type Filter } from 'mongodb';
import { AUDIT_DEFAULT_LIMIT, checkLimit } from '../shared.js';
import type { AuditEvent, AuditStore } from '../types.js';
import type { AuditDoc, Collections } from './collections.js';

const toEvent = (d: AuditDoc): AuditEvent => ({
  id: d._id,
  at: d.at,
  actorId: d.actorId,
  actorEmail: d.actorEmail,
  action: d.action,
  target: d.target,
  result: d.result,
  ip: d.ip,
  details: d.details === null ? null : (JSON.parse(d.details) as Record<string, unknown>),
});

export function mongoAudit(c: Collections): AuditStore {
  return {
    async append(e) {
      await c.audit.insertOne({
        _id: e.id,
        ord: new ObjectId(),
        at: e.at,
        actorId: e.actorId,
        actorEmail: e.actorEmail,
        action: e.action,
        target: e.target,
        result: e.result,
        ip: e.ip,
        details: e.details === null ? null : JSON.stringify(e.details),
      });
    },
    async query(q) {
      // Each value is matched with $eq, so a filter value can never be read as an operator.
      const filter: Filter<AuditDoc> = {};
      if (q.actorId !== undefined) filter.actorId = { $eq: q.actorId };
      if (q.action !== undefined) filter.action = { $eq: q.action };
      if (q.target !== undefined) filter.target = { $eq: q.target };
      if (q.before !== undefined) filter.at = { $lt: q.before };
      const limit = checkLimit(q.limit) ?? AUDIT_DEFAULT_LIMIT;
      // limit(0) would mean "no limit" to the driver; a limit of 0 asks for nothing.
      if (limit === 0) return [];
      const docs = await c.audit.find(filter).sort({ at: -1, ord: -1 }).limit(limit).toArray();
      return docs.map(toEvent);
    },
  };
}
