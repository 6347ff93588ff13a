// Two-factor sign-in with TOTP (RFC 6238, what authenticator apps speak) plus single-use
// recovery codes. The secret is kept encrypted (AES-256-GCM under a key derived from the env
// encryption key for this purpose only), recovery codes only as SHA-256 (they are 80-bit
// random), and the last accepted time step is remembered so a code cannot be replayed.
// State lives in the settings store per user, so both store backends keep it unchanged.
import { hkdfSync, randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { sha256 } from '../auth/tokens.js';
import { EnvCipher } from '../env/cipher.js';
import type { Store, User } from '../store/types.js';

const STEP_SECONDS = 30;
const RECOVERY_CODES = 10;
export const REQUIRE_FOR_ADMINS_SETTING = 'auth.secondFactor.requiredForAdmins';

interface StoredSecondFactor {
  /** Encrypted base32 secret. */
  secret: string;
  /** null while enrolment waits for the first code. */
  enabledAt: number | null;
  recovery: string[];
  lastStep: number;
}

const key = (userId: string): string => `auth.totp:${userId}`;

/** The cipher for second-factor secrets: its own key, derived so the env key stays single-purpose. */
export function secondFactorCipher(envKey: Buffer): EnvCipher {
  return new EnvCipher(Buffer.from(hkdfSync('sha256', envKey, Buffer.alloc(0), 'deployflow second-factor secrets', 32)));
}

function totpFor(base32: string, email: string, issuer: string): TOTP {
  return new TOTP({ issuer, label: email, algorithm: 'SHA1', digits: 6, period: STEP_SECONDS, secret: Secret.fromBase32(base32) });
}

export class SecondFactors {
  constructor(
    private readonly store: Store,
    private readonly cipher: EnvCipher,
    private readonly issuer: string,
    private readonly clock: () => number,
  ) {}

  private async read(userId: string): Promise<StoredSecondFactor | null> {
    return this.store.settings.get<StoredSecondFactor>(key(userId));
  }

  async enabled(userId: string): Promise<boolean> {
    return ((await this.read(userId))?.enabledAt ?? null) !== null;
  }

  /** Starts (or restarts) enrolment: a new secret, not yet required at sign-in. */
  async begin(user: User): Promise<{ secret: string; otpauthUrl: string }> {
    if (await this.enabled(user.id)) throw new DeployFlowError('DF_ERR_CONFLICT', 'Two-factor sign-in is already on; turn it off first');
    const secret = new Secret({ size: 20 }).base32;
    await this.store.settings.set<StoredSecondFactor>(key(user.id), {
      secret: this.cipher.encrypt(`user:${user.id}`, 'totp', secret),
      enabledAt: null,
      recovery: [],
      lastStep: 0,
    });
    return { secret, otpauthUrl: totpFor(secret, user.email, this.issuer).toString() };
  }

  /** Finishes enrolment with a first valid code; returns the recovery codes (shown once). */
  async confirm(user: User, code: string): Promise<string[]> {
    const stored = await this.read(user.id);
    if (!stored || stored.enabledAt !== null) throw new DeployFlowError('DF_ERR_CONFLICT', 'Start the two-factor set-up first');
    const step = this.matchingStep(user, stored, code);
    if (step === null) throw new DeployFlowError('DF_ERR_SECOND_FACTOR_INVALID');
    const codes = Array.from({ length: RECOVERY_CODES }, () =>
      randomBytes(10)
        .toString('hex')
        .replace(/(.{5})(?=.)/g, '$1-'),
    );
    await this.store.settings.set<StoredSecondFactor>(key(user.id), {
      ...stored,
      enabledAt: this.clock(),
      lastStep: step,
      recovery: codes.map((c) => sha256(c)),
    });
    return codes;
  }

  /** Checks a sign-in code (TOTP or a recovery code, each usable once). */
  async verify(user: User, code: string): Promise<'totp' | 'recovery'> {
    const stored = await this.read(user.id);
    if (!stored || stored.enabledAt === null) return 'totp';
    const step = this.matchingStep(user, stored, code);
    if (step !== null) {
      await this.store.settings.set<StoredSecondFactor>(key(user.id), { ...stored, lastStep: step });
      return 'totp';
    }
    const hash = sha256(code.trim().toLowerCase());
    if (stored.recovery.includes(hash)) {
      await this.store.settings.set<StoredSecondFactor>(key(user.id), { ...stored, recovery: stored.recovery.filter((h) => h !== hash) });
      return 'recovery';
    }
    throw new DeployFlowError('DF_ERR_SECOND_FACTOR_INVALID');
  }

  async remaining(userId: string): Promise<number> {
    return (await this.read(userId))?.recovery.length ?? 0;
  }

  async turnOff(userId: string): Promise<void> {
    await this.store.settings.set(key(userId), null);
  }

  /** The time step a 6-digit code is valid for (±1 step of drift), never one already used. */
  private matchingStep(user: User, stored: StoredSecondFactor, code: string): number | null {
    if (!/^[0-9]{6}$/.test(code.trim())) return null;
    const secret = this.cipher.decrypt(`user:${user.id}`, 'totp', stored.secret);
    const now = this.clock();
    const delta = totpFor(secret, user.email, this.issuer).validate({ token: code.trim(), timestamp: now, window: 1 });
    if (delta === null) return null;
    const step = Math.floor(now / 1000 / STEP_SECONDS) + delta;
    return step > stored.lastStep ? step : null;
  }
}
