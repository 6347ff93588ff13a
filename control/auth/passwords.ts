// Password hashing with Argon2id at OWASP's current minimum (19 MiB memory, 2 iterations,
// parallelism 1). Verification of a missing hash still spends the time of a real one so that
// login timing does not reveal which emails have accounts.
import argon2 from 'argon2';
import { DeployFlowError } from '../../common/errors/catalogue.js';

const OWASP_ARGON2ID = { type: argon2.argon2id, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 } as const;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 1024;

let dummyHash: Promise<string> | null = null;

export function hashPassword(password: string): Promise<string> {
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    throw new DeployFlowError('DF_ERR_VALIDATION', `Passwords must be ${PASSWORD_MIN}-${PASSWORD_MAX} characters`);
  }
  return argon2.hash(password, OWASP_ARGON2ID);
}

export async function verifyPassword(hash: string | null, password: string): Promise<boolean> {
  if (hash === null) {
    dummyHash ??= argon2.hash('timing-equaliser', OWASP_ARGON2ID);
    await argon2.verify(await dummyHash, password).catch(() => false);
    return false;
  }
  return argon2.verify(hash, password).catch(() => false);
}
