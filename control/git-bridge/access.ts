// The git service's view of users and permissions, answered from control's store: an API token
// (or access JWT) as the HTTP password, a registered SSH key, and the same app policy as the API
// (push = operate, fetch = view), and which branch of an app deploys.
import { createHash } from 'node:crypto';
import type { GitAccess } from '../../git/index.js';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { isAppName } from '../../common/names/validate.js';
import { may } from '../apps/access.js';
import type { ControlDeps } from '../server/deps.js';

export function keyFingerprint(keyData: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyData).digest('base64').replace(/=+$/, '')}`;
}

export function gitAccess(deps: ControlDeps): GitAccess {
  return {
    async userForPassword(password) {
      const user = await deps.tokens.userForCredential(password);
      return user ? { id: user.id } : null;
    },
    async userForPublicKey(_keyType, keyData) {
      const key = await deps.store.sshKeys.getByFingerprint(keyFingerprint(keyData));
      if (!key) return null;
      // A disabled account's keys open nothing.
      const user = await deps.store.users.get(key.userId);
      return user && user.disabledAt === null ? { id: key.userId } : null;
    },
    async mayAccess(userId, app, mode) {
      if (!isAppName(app)) return false;
      const [user, record] = await Promise.all([deps.store.users.get(userId), deps.store.apps.get(app)]);
      // Asked again when a waiting push gets its turn: a user disabled meanwhile is refused then.
      return Boolean(user && user.disabledAt === null && (await may(deps.store, user, record, mode === 'write' ? 'operate' : 'view')));
    },
    async deployBranch(app) {
      // The app can be deleted between the access check and the hook; that push deploys nothing.
      const record = isAppName(app) ? await deps.store.apps.get(app) : null;
      if (!record) throw new DeployFlowError('DF_ERR_APP_NOT_FOUND');
      return record.deployBranch;
    },
  };
}
