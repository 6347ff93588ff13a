// SSH keys for git push over SSH: registered per user, unique across users (a key maps to
// exactly one person), listed with their fingerprints, removed by their owner.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { RecordId } from '../api/params.js';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { parsePublicKey } from '../../git/index.js';
import { defineRoute, type RouteSpec } from '../api/route.js';
import { keyFingerprint } from '../git-bridge/access.js';

const KeyView = z.object({ id: z.string(), name: z.string(), fingerprint: z.string(), createdAt: z.number() });

export const keyRoutes: RouteSpec[] = [
  defineRoute({
    method: 'post',
    path: '/keys',
    tag: 'keys',
    access: 'user',
    status: 201,
    audit: 'key.add',
    response: KeyView,
    summary: 'Register an SSH public key (OpenSSH format) for git push over SSH',
    body: z.strictObject({ publicKey: z.string().max(16_384), name: z.string().trim().min(1).max(100).optional() }),
    handler: async (ctx) => {
      const line = ctx.body.publicKey.trim();
      const parsed = parsePublicKey(line);
      if (!parsed || line.includes('\n'))
        throw new DeployFlowError('DF_ERR_VALIDATION', 'Not an OpenSSH public key (e.g. "ssh-ed25519 AAAA… you@host")');
      const comment = line.split(/\s+/).slice(2).join(' ');
      const key = await ctx.deps.store.sshKeys.create({
        id: randomUUID(),
        userId: ctx.user.id,
        name: ctx.body.name ?? (comment || parsed.type),
        publicKey: line,
        fingerprint: keyFingerprint(parsed.data),
        createdAt: ctx.deps.clock(),
      });
      ctx.audit.target = `key:${key.id}`;
      ctx.audit.details = { fingerprint: key.fingerprint };
      return { id: key.id, name: key.name, fingerprint: key.fingerprint, createdAt: key.createdAt };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/keys',
    tag: 'keys',
    access: 'user',
    summary: 'Your SSH keys',
    response: z.array(KeyView),
    handler: async (ctx) =>
      (await ctx.deps.store.sshKeys.listForUser(ctx.user.id)).map((k) => ({
        id: k.id,
        name: k.name,
        fingerprint: k.fingerprint,
        createdAt: k.createdAt,
      })),
  }),
  defineRoute({
    method: 'delete',
    path: '/keys/:id',
    params: z.strictObject({ id: RecordId }),
    tag: 'keys',
    access: 'user',
    audit: 'key.remove',
    summary: 'Remove one of your SSH keys',
    handler: async (ctx) => {
      const id = ctx.params.id;
      ctx.audit.target = `key:${id}`;
      if (!(await ctx.deps.store.sshKeys.delete(id, ctx.user.id))) throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No such key');
      return undefined;
    },
  }),
];
