// Who may open an account: anyone while registration is open (the default), nobody but the
// very first user once an admin closes it. The first user becomes admin (the store decides
// that atomically, so two first sign-ups cannot both become admin).
import { DeployFlowError } from '../../common/errors/catalogue.js';
import type { Store, User } from '../store/types.js';

export const REGISTRATION_SETTING = 'registrationOpen';

export async function registrationOpen(store: Store): Promise<boolean> {
  return (await store.settings.get<boolean>(REGISTRATION_SETTING)) ?? true;
}

export async function createAccount(
  store: Store,
  input: { email: string; name: string; passwordHash: string | null; googleId: string | null },
): Promise<User> {
  if (!(await registrationOpen(store)) && (await store.users.count()) > 0) throw new DeployFlowError('DF_ERR_REGISTRATION_CLOSED');
  return store.users.create({ ...input, email: input.email.toLowerCase(), role: 'developer' });
}
