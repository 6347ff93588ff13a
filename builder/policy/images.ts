// Which images a build may use (FROM, COPY --from, RUN --mount from=). The engine resolves names
// against every image on the host — another app's `deployflow/<app>:<tag>`, and through a digest
// (`anything@sha256:<image id>`) any local image at all — so names are checked before the build:
// allowed are the platform's base images (DEPLOYFLOW_IMAGE_*), the admins' allow-list, the app's
// own earlier images, and, when an admin allows it, any other image already on the host.
import type Docker from 'dockerode';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import type { AppName } from '../../common/names/validate.js';
import { imageRepo } from '../docker/names.js';
import type { ImageUse } from './dockerfile.js';
import { parseImageReference, repositoryName, type ImageRef } from './image-ref.js';

export interface BuildImageSettings {
  /** Image references an admin allows as bases: `node` (any tag), `node:20`, `ghcr.io/org/img`. */
  allowedImages: string[];
  /** Any image already on the host (other apps' images never). */
  allowHostImages: boolean;
}

export const DEFAULT_BUILD_IMAGE_SETTINGS: BuildImageSettings = { allowedImages: [], allowHostImages: false };

function refuse(use: ImageUse, why: string): never {
  throw new DeployFlowError('DF_ERR_BUILD_REFUSED', `Dockerfile line ${use.line}: ${use.where} ${use.ref.slice(0, 200)}: ${why}`);
}

function ownRepository(app: AppName): string {
  return `docker.io/${imageRepo(app)}`;
}

function isAppImage(ref: ImageRef): boolean {
  return ref.domain === 'docker.io' && ref.path.startsWith('deployflow/');
}

/** True when `ref` is one of `entries` (an entry without tag or digest allows every tag of its repository). */
export function listed(ref: ImageRef, entries: readonly string[]): boolean {
  return entries.some((raw) => {
    const entry = parseImageReference(raw);
    if (!entry || repositoryName(entry) !== repositoryName(ref)) return false;
    if (entry.digest) return entry.digest === ref.digest;
    if (entry.tag) return entry.tag === (ref.tag ?? 'latest');
    return true;
  });
}

/** Allowed by name alone (no look at the host). */
function allowedByName(app: AppName, ref: ImageRef, allowed: readonly string[]): boolean {
  return repositoryName(ref) === ownRepository(app) || (!isAppImage(ref) && listed(ref, allowed));
}

/** The local images a digest resolves to: by image id (the engine's fallback) or by a pulled repo digest. */
async function localByDigest(docker: Docker, digest: string): Promise<Docker.ImageInfo[]> {
  const images = await docker.listImages({ all: false });
  return images.filter((i) => i.Id === digest || (i.RepoDigests ?? []).some((d) => d.endsWith(`@${digest}`)));
}

export interface ImagePolicyInput {
  app: AppName;
  /** The images generated Dockerfiles use (DEPLOYFLOW_IMAGE_*): always allowed. */
  baseImages: readonly string[];
  settings: BuildImageSettings;
}

export async function checkImageUses(docker: Docker, uses: readonly ImageUse[], input: ImagePolicyInput): Promise<void> {
  const allowed = [...input.baseImages, ...input.settings.allowedImages];
  for (const use of uses) {
    const ref = parseImageReference(use.ref);
    if (!ref) {
      if (/^(?:sha256:)?[0-9a-f]{12,64}$/.test(use.ref)) refuse(use, 'an image id is not allowed; name the image');
      refuse(use, 'not a valid image reference');
    }
    if (isAppImage(ref) && repositoryName(ref) !== ownRepository(input.app)) refuse(use, "another app's image is not allowed");
    if (ref.digest) {
      const local = await localByDigest(docker, ref.digest);
      if (local.length > 0) {
        const tags = local
          .flatMap((i) => i.RepoTags ?? [])
          .map((t) => parseImageReference(t))
          .filter((t): t is ImageRef => t !== null);
        const ok = tags.some((t) => allowedByName(input.app, t, allowed) || (input.settings.allowHostImages && !isAppImage(t)));
        if (!ok) refuse(use, 'that digest names an image on this host this app may not use');
        continue;
      }
    }
    if (allowedByName(input.app, ref, allowed)) continue;
    if (
      input.settings.allowHostImages &&
      (await docker
        .getImage(use.ref)
        .inspect()
        .then(
          () => true,
          () => false,
        ))
    )
      continue;
    refuse(use, 'not an allowed base image (an admin can allow it: PUT /api/v1/settings/builds {"allowedImages": [...]})');
  }
}
