// Builds as seen from control: the admins' image settings route and the per-build limits.
export { buildSettingsRoutes, buildImageSettings, BUILD_IMAGES_SETTING } from './settings.js';
export { buildLimits, buildMemoryMb } from './limits.js';
export { buildCacheLedger, BUILD_CACHE_LEDGER_SETTING } from './cache-ledger.js';
