// The admins' build image settings: which images builds may use as bases besides the platform's
// own (DEPLOYFLOW_IMAGE_*, always allowed) and each app's earlier images. Off the list, a build
// that names an image is refused before it runs (builder/policy/images.ts).
import { z } from 'zod';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { DEFAULT_BUILD_IMAGE_SETTINGS, parseImageReference, type BuildImageSettings } from '../../builder/index.js';
import { defineRoute, type RouteSpec } from '../api/route.js';
import type { SettingsStore } from '../store/types.js';

export const BUILD_IMAGES_SETTING = 'builds.images';

export async function buildImageSettings(settings: SettingsStore): Promise<BuildImageSettings> {
  const stored = await settings.get<Partial<BuildImageSettings>>(BUILD_IMAGES_SETTING);
  return {
    allowedImages: Array.isArray(stored?.allowedImages)
      ? stored.allowedImages.filter((i) => typeof i === 'string')
      : DEFAULT_BUILD_IMAGE_SETTINGS.allowedImages,
    allowHostImages: stored?.allowHostImages === true,
  };
}

const BuildSettings = z.object({
  allowedImages: z
    .array(z.string().min(1).max(255))
    .max(500)
    .describe('Images builds may use as bases: a repository (`node`, `ghcr.io/org/img`: every tag) or one tag (`node:20-alpine`)'),
  allowHostImages: z.boolean().describe("Let builds use any image already on the host (other apps' images never)"),
});

const BuildSettingsView = BuildSettings.extend({
  baseImages: z.array(z.string()).describe('The platform base images (DEPLOYFLOW_IMAGE_*), always allowed'),
});

export const buildSettingsRoutes: RouteSpec[] = [
  defineRoute({
    method: 'get',
    path: '/settings/builds',
    tag: 'builds',
    access: 'admin',
    summary: 'Build image settings (admin)',
    response: BuildSettingsView,
    handler: async (ctx) => ({ ...(await buildImageSettings(ctx.deps.store.settings)), baseImages: Object.values(ctx.deps.config.images) }),
  }),
  defineRoute({
    method: 'put',
    path: '/settings/builds',
    tag: 'builds',
    access: 'admin',
    audit: 'settings.builds',
    summary: 'Set the images builds may use as bases (admin)',
    body: BuildSettings.strict(),
    response: BuildSettingsView,
    handler: async (ctx) => {
      ctx.audit.target = 'settings';
      ctx.audit.details = { ...ctx.body };
      for (const image of ctx.body.allowedImages) {
        const ref = parseImageReference(image);
        if (!ref) throw new DeployFlowError('DF_ERR_VALIDATION', `"${image.slice(0, 100)}" is not an image reference`);
        if (ref.domain === 'docker.io' && ref.path.startsWith('deployflow/')) {
          throw new DeployFlowError(
            'DF_ERR_VALIDATION',
            "Apps' images (deployflow/…) are each their own app's; they cannot be allowed for every build",
          );
        }
      }
      const value: BuildImageSettings = { allowedImages: [...new Set(ctx.body.allowedImages)], allowHostImages: ctx.body.allowHostImages };
      await ctx.deps.store.settings.set(BUILD_IMAGES_SETTING, value);
      return { ...value, baseImages: Object.values(ctx.deps.config.images) };
    },
  }),
];
