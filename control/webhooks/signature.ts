// Webhook authenticity (pure). GitHub signs the raw body bytes with HMAC-SHA256; GitLab sends the
// shared secret itself. Both compare in constant time over equal-length buffers, so neither the
// content nor the length of the secret leaks through timing.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Compared as digests: timingSafeEqual needs equal lengths, and an early length check would leak it. */
function sameSecret(given: Buffer, expected: Buffer): boolean {
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());
}

export function githubSignature(secret: string, rawBody: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/** `X-Hub-Signature-256: sha256=<64 hex>` over exactly the bytes received. */
export function verifyGithubSignature(secret: string, rawBody: Buffer, header: unknown): boolean {
  if (typeof header !== 'string' || !/^sha256=[0-9a-fA-F]{64}$/.test(header)) return false;
  const given = Buffer.from(header.slice('sha256='.length).toLowerCase(), 'hex');
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** `X-Gitlab-Token: <secret>`. */
export function verifyGitlabToken(secret: string, header: unknown): boolean {
  if (typeof header !== 'string' || header.length === 0 || header.length > 1024) return false;
  return sameSecret(Buffer.from(header, 'utf8'), Buffer.from(secret, 'utf8'));
}
