// The two short-lived cookies of the Google flow. Both are HttpOnly (scripts never read them),
// SameSite=Lax (sent on the provider's top-level redirect back to us, never on a cross-site POST)
// and scoped to the Google routes only, so no other API route ever receives them.
import type { CookieOptions, Request, Response } from 'express';
import type { Config } from '../../../common/config/config.js';

export const GOOGLE_PATH = '/api/v1/auth/google';
export const STATE_COOKIE = 'df_google_state';
export const CODE_COOKIE = 'df_google_code';

export function cookieOptions(config: Config, maxAgeMs: number): CookieOptions {
  return {
    httpOnly: true,
    sameSite: 'lax',
    // Secure whenever browsers reach control over https; plain http only for local set-ups.
    secure: config.publicUrl.startsWith('https:'),
    path: GOOGLE_PATH,
    maxAge: maxAgeMs,
  };
}

export function clearCookie(res: Response, config: Config, name: string): void {
  const { maxAge: _maxAge, ...rest } = cookieOptions(config, 0);
  res.clearCookie(name, rest);
}

/** One cookie's value from the request; no cookie-parser is mounted, and we need only ours. */
export function readCookie(req: Request, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return null;
    }
  }
  return null;
}
