// Builds as seen from control: the admins' image settings route and the per-build limits.
export { buildSettingsRoutes, buildImageSettings, BUILD_IMAGES_SETTING } from './settings.js';
export { buildLimits, buildMemoryMb } from './limits.js';
