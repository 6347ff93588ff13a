// Which BuildKit cache records each app's builds made (the builder's cache budget per app needs
// it, the engine's records name no app), kept in the store so a restart does not forget them:
// a forgotten record is only trimmed by the engine-wide budget.
import type { CacheLedgerStore, Ledger } from '../../builder/index.js';
import type { SettingsStore } from '../store/types.js';

export const BUILD_CACHE_LEDGER_SETTING = 'build-cache-ledger';

export function buildCacheLedger(settings: SettingsStore): CacheLedgerStore {
  return {
    load: async () => (await settings.get<Ledger>(BUILD_CACHE_LEDGER_SETTING)) ?? {},
    save: (ledger) => settings.set(BUILD_CACHE_LEDGER_SETTING, ledger),
  };
}
