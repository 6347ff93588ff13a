// Passwords of the basic-auth plugin: hashed with scrypt and a per-user salt when control
// validates the config, so the route table (and every gateway) only ever holds hashes. The cost
// is kept low enough to check on a request path (N=1024, r=8: about 1 MiB and ~2 ms per check
// on the libuv pool); gateways also remember recent successful checks (gateway/plugins/builtins).
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';

const N = 1024;
const R = 8;
const P = 1;
const KEY_BYTES = 32;
const HASH = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]{16,64})\$([A-Za-z0-9+/=]{40,64})$/;

/** `scrypt$N$r$p$salt$hash` (base64 salt and hash). */
export function hashPassword(plain: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(plain, salt, KEY_BYTES, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export function isPasswordHash(value: unknown): value is string {
  return typeof value === 'string' && HASH.test(value);
}

/** Checks `plain` against a stored hash off the event loop; false for a malformed hash. */
export function verifyPassword(plain: string, stored: string): Promise<boolean> {
  const m = HASH.exec(stored);
  if (!m) return Promise.resolve(false);
  const [n, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Parameters come from the route table; refuse ones that would cost a gateway dearly.
  if (n > 1 << 15 || r > 16 || p > 4) return Promise.resolve(false);
  const salt = Buffer.from(m[4]!, 'base64');
  const expected = Buffer.from(m[5]!, 'base64');
  return new Promise((resolve) => {
    scrypt(plain, salt, expected.length, { N: n, r, p, maxmem: 64 * 1024 * 1024 }, (err, got) => {
      resolve(!err && got.length === expected.length && timingSafeEqual(got, expected));
    });
  });
}
