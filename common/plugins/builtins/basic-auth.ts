// basic-auth: HTTP Basic authentication in front of the app. Passwords are hashed here, when
// control validates the config, so the route table carries only hashes; the API view shows user
// names with a null password, and sending a user back with null keeps the stored hash (so the
// dashboard can edit the chain without knowing any password).
import { z } from 'zod';
import { definePlugin, PluginConfigError } from '../chain.js';
import { hashPassword, isPasswordHash } from '../password.js';

export const MAX_BASIC_AUTH_USERS = 100;

const userName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[^:\s]+$/, 'user names have no colon or whitespace');

export const basicAuthSchema = z.strictObject({
  users: z
    .record(userName, z.string().min(1).max(256).nullable())
    .refine((u) => Object.keys(u).length >= 1, 'at least one user')
    .refine((u) => Object.keys(u).length <= MAX_BASIC_AUTH_USERS, `at most ${MAX_BASIC_AUTH_USERS} users`)
    .describe('user name → password (null keeps the stored password)'),
  realm: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[\x20-\x7e]+$/)
    .refine((r) => !r.includes('"') && !r.includes('\\'), 'no quotes or backslashes')
    .optional()
    .describe('Shown by browsers in the login prompt'),
});

/** What the route table carries: user → scrypt hash. */
export interface BasicAuthStored {
  users: Record<string, string>;
  realm?: string;
}

definePlugin({
  name: 'basic-auth',
  schema: basicAuthSchema,
  compile(config, previous) {
    const c = config as z.infer<typeof basicAuthSchema>;
    const kept = (previous?.users ?? {}) as Record<string, unknown>;
    const users: Record<string, string> = {};
    for (const [name, password] of Object.entries(c.users)) {
      if (password !== null) {
        users[name] = hashPassword(password);
        continue;
      }
      const hash = kept[name];
      if (!isPasswordHash(hash)) throw new PluginConfigError(['users', name], 'no stored password to keep: give one');
      users[name] = hash;
    }
    return { users, ...(c.realm !== undefined ? { realm: c.realm } : {}) };
  },
  view(stored) {
    const users = Object.fromEntries(Object.keys((stored.users ?? {}) as Record<string, string>).map((u) => [u, null]));
    return { users, ...(stored.realm !== undefined ? { realm: stored.realm } : {}) };
  },
});
