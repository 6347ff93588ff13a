import { z } from 'zod';
import { PASSWORD_MAX, PASSWORD_MIN } from './passwords.js';

export const Email = z.email().max(320);
export const RegisterBody = z.strictObject({
  email: Email,
  password: z.string().min(PASSWORD_MIN).max(PASSWORD_MAX),
  name: z.string().trim().min(1).max(100).optional(),
});
export const LoginBody = z.strictObject({
  email: Email,
  password: z.string().min(1).max(PASSWORD_MAX),
  code: z.string().trim().min(6).max(32).optional().describe('With two-factor sign-in on: the authenticator code or a recovery code'),
});
export const RefreshBody = z.strictObject({ refreshToken: z.string().min(1).max(200) });
export const LogoutBody = z.strictObject({ refreshToken: z.string().min(1).max(200).optional() });

export const UserView = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(['admin', 'developer', 'viewer']),
  google: z.boolean(),
  createdAt: z.number(),
  disabled: z.boolean().describe('Disabled by an admin: every credential is refused'),
});
export const SessionView = z.object({ user: UserView, accessToken: z.string(), refreshToken: z.string() });
