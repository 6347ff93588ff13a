import type { User } from '../store/types.js';

/** What the API shows of a user: never the password hash or the Google subject id. */
export function userView(user: User): Record<string, unknown> {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    google: user.googleId !== null,
    createdAt: user.createdAt,
    disabled: user.disabledAt !== null,
  };
}
