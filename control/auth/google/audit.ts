// `auth.google` audit events, in the same shape control/api/mount.ts records for declared
// routes; an audit write that fails is logged and never fails the login itself.
import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import type { ControlDeps } from '../../server/deps.js';
import type { User } from '../../store/types.js';

export const AUDIT_ACTION = 'auth.google';

export interface GoogleAuditEntry {
  user: User | null;
  result: 'ok' | 'error';
  details: Record<string, unknown>;
}

export async function auditGoogle(deps: ControlDeps, req: Request, entry: GoogleAuditEntry): Promise<void> {
  try {
    await deps.store.audit.append({
      id: randomUUID(),
      at: deps.clock(),
      actorId: entry.user?.id ?? null,
      actorEmail: entry.user?.email ?? null,
      action: AUDIT_ACTION,
      target: entry.user ? `user:${entry.user.id}` : null,
      result: entry.result,
      ip: req.ip ?? req.socket.remoteAddress ?? 'unknown',
      details: entry.details,
    });
  } catch (auditErr) {
    deps.log.error({ err: auditErr, action: AUDIT_ACTION }, 'audit write failed');
  }
}
