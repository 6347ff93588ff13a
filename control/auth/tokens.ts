// Sessions and credentials: a short-lived access JWT (10 minutes) plus an opaque refresh token
// that rotates on every use. Every token rotated from one login shares a family; presenting a
// token that was already rotated means it leaked, so the whole family is revoked. API tokens are
// opaque, shown once, stored only as a SHA-256 (they are 256-bit random, so a slow hash adds
// nothing) and work wherever a Bearer token does, and as the git HTTP password.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import type { ApiToken, Store, User } from '../store/types.js';

export const ACCESS_TTL_SECONDS = 10 * 60;
export const REFRESH_TTL_MS = 30 * 24 * 3600 * 1000;
const ISSUER = 'deployflow';
const API_TOKEN_PREFIX = 'dfp_';
const REFRESH_PREFIX = 'dfr_';

export interface Session {
  accessToken: string;
  refreshToken: string;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** API tokens (opaque, never expiring on their own) as opposed to session access tokens. */
export const isApiToken = (credential: string): boolean => credential.startsWith(API_TOKEN_PREFIX);

function opaque(prefix: string): string {
  return prefix + randomBytes(32).toString('base64url');
}

export class TokenService {
  constructor(
    private readonly store: Store,
    private readonly jwtKey: Uint8Array,
    private readonly clock: () => number = Date.now,
  ) {}

  async issueAccess(user: User): Promise<string> {
    const now = Math.floor(this.clock() / 1000);
    // `sv`: the account's session version; a password change or a disable bumps it, ending this token.
    return new SignJWT({ typ: 'access', sv: user.sessionVersion })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setIssuer(ISSUER)
      .setIssuedAt(now)
      .setExpirationTime(now + ACCESS_TTL_SECONDS)
      .sign(this.jwtKey);
  }

  /** The user id inside a valid access token; DF_ERR_INVALID_TOKEN for anything else. */
  async verifyAccess(token: string): Promise<string> {
    return (await this.verifyAccessClaims(token)).userId;
  }

  private async verifyAccessClaims(token: string): Promise<{ userId: string; sessionVersion: number }> {
    try {
      const { payload } = await jwtVerify(token, this.jwtKey, {
        issuer: ISSUER,
        algorithms: ['HS256'],
        currentDate: new Date(this.clock()),
      });
      if (payload.typ !== 'access' || typeof payload.sub !== 'string') throw new Error('not an access token');
      return { userId: payload.sub, sessionVersion: typeof payload.sv === 'number' ? payload.sv : 0 };
    } catch {
      throw new DeployFlowError('DF_ERR_INVALID_TOKEN');
    }
  }

  async startSession(user: User, familyId: string = randomUUID()): Promise<Session> {
    // Every way in (password, Google, refresh) ends here: a disabled account gets no session.
    if (user.disabledAt !== null) throw new DeployFlowError('DF_ERR_ACCOUNT_DISABLED');
    const refreshToken = opaque(REFRESH_PREFIX);
    const now = this.clock();
    await this.store.refreshTokens.create({
      id: randomUUID(),
      userId: user.id,
      familyId,
      tokenHash: sha256(refreshToken),
      createdAt: now,
      expiresAt: now + REFRESH_TTL_MS,
      rotatedAt: null,
      revokedAt: null,
    });
    return { accessToken: await this.issueAccess(user), refreshToken };
  }

  /** Exchanges a refresh token for a new session; a reused token revokes its whole family. */
  async refresh(refreshToken: string): Promise<{ user: User } & Session> {
    const now = this.clock();
    const current = await this.store.refreshTokens.getByHash(sha256(refreshToken));
    if (!current || current.revokedAt !== null || current.expiresAt <= now) throw new DeployFlowError('DF_ERR_INVALID_TOKEN');
    if (current.rotatedAt !== null) {
      await this.store.refreshTokens.revokeFamily(current.familyId, now);
      throw new DeployFlowError('DF_ERR_REFRESH_REUSED');
    }
    const user = await this.store.users.get(current.userId);
    if (!user || user.disabledAt !== null) throw new DeployFlowError('DF_ERR_INVALID_TOKEN');
    const next = opaque(REFRESH_PREFIX);
    const rotated = await this.store.refreshTokens.rotate(
      current.id,
      {
        id: randomUUID(),
        userId: user.id,
        familyId: current.familyId,
        tokenHash: sha256(next),
        createdAt: now,
        expiresAt: now + REFRESH_TTL_MS,
        rotatedAt: null,
        revokedAt: null,
      },
      now,
    );
    if (!rotated) {
      // Someone else rotated it between our read and write: the same token was used twice.
      await this.store.refreshTokens.revokeFamily(current.familyId, now);
      throw new DeployFlowError('DF_ERR_REFRESH_REUSED');
    }
    return { user, accessToken: await this.issueAccess(user), refreshToken: next };
  }

  /** Logout: revokes the family of the given refresh token (if it is the user's), or all of them. */
  async endSessions(userId: string, refreshToken?: string): Promise<void> {
    const now = this.clock();
    if (refreshToken === undefined) {
      await this.store.refreshTokens.revokeAllForUser(userId, now);
      return;
    }
    const token = await this.store.refreshTokens.getByHash(sha256(refreshToken));
    if (!token || token.userId !== userId) throw new DeployFlowError('DF_ERR_INVALID_TOKEN');
    await this.store.refreshTokens.revokeFamily(token.familyId, now);
  }

  async createApiToken(userId: string, name: string): Promise<{ record: ApiToken; token: string }> {
    const token = opaque(API_TOKEN_PREFIX);
    const record = await this.store.apiTokens.create({
      id: randomUUID(),
      userId,
      name,
      tokenHash: sha256(token),
      createdAt: this.clock(),
      lastUsedAt: null,
    });
    return { record, token };
  }

  /**
   * The user behind an API token or access JWT, or null when the credential is not valid: a
   * disabled account's credentials are all refused, and an access token from before the
   * account's last password change (or disable) too.
   */
  async userForCredential(credential: string): Promise<User | null> {
    if (credential.startsWith(API_TOKEN_PREFIX)) {
      const record = await this.store.apiTokens.getByHash(sha256(credential));
      if (!record) return null;
      const user = await this.store.users.get(record.userId);
      if (!user || user.disabledAt !== null) return null;
      await this.store.apiTokens.touch(record.id, this.clock());
      return user;
    }
    try {
      const claims = await this.verifyAccessClaims(credential);
      const user = await this.store.users.get(claims.userId);
      return user && user.disabledAt === null && user.sessionVersion === claims.sessionVersion ? user : null;
    } catch {
      return null;
    }
  }

  /** Ends every session of the account: access tokens (by version) and refresh tokens. Returns the updated user. */
  async endAllSessions(user: User, patch: { passwordHash?: string; disabledAt?: number | null } = {}): Promise<User> {
    const updated = await this.store.users.update(user.id, { ...patch, sessionVersion: user.sessionVersion + 1 });
    if (!updated) throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No such user');
    await this.store.refreshTokens.revokeAllForUser(user.id, this.clock());
    return updated;
  }
}
