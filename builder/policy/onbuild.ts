// ONBUILD triggers of the images a Dockerfile builds FROM. An allowed base image (an admin's
// allow-list entry, a platform image, any host image when allowed) can carry triggers — `ONBUILD
// ADD http://127.0.0.1:5000/… /x`, `ONBUILD COPY --from=<another app's image> …` — that the
// engine runs in the tenant's build as if they were lines of its Dockerfile. They are read from
// the image's config before the build and checked with the same policy as the file's own lines.
// The image must be on the host to be read; one that is not is pulled first (the engine would pull
// it for the build anyway), so no trigger runs unread.
import type Docker from 'dockerode';
import { DeployFlowError, isDeployFlowError } from '../../common/errors/catalogue.js';
import type { AppName } from '../../common/names/validate.js';
import { checkTriggers, type ImageUse } from './dockerfile.js';

type Inspect = (ref: string) => Promise<{ Config?: { OnBuild?: string[] | null } | null } | null>;

async function pull(docker: Docker, ref: string): Promise<void> {
  const stream = await docker.pull(ref);
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()));
  });
}

/** The image's config, pulled first when it is not on the host; null when it cannot be had. */
function inspector(docker: Docker): Inspect {
  const inspect = (ref: string): Promise<Docker.ImageInspectInfo | null> =>
    docker
      .getImage(ref)
      .inspect()
      .catch(() => null);
  return async (ref) => {
    const local = await inspect(ref);
    if (local) return local;
    await pull(docker, ref).catch(() => undefined);
    return inspect(ref);
  };
}

/**
 * Checks the triggers of every FROM image in `uses`; returns the images the triggers name (for
 * the image policy). A refusal names the Dockerfile line of the FROM and the trigger's problem.
 */
export async function checkBaseTriggers(
  docker: Docker,
  uses: readonly ImageUse[],
  app: AppName,
  inspect: Inspect = inspector(docker),
): Promise<ImageUse[]> {
  const named: ImageUse[] = [];
  for (const use of uses.filter((u) => u.where === 'FROM')) {
    const config = await inspect(use.ref);
    const from = `Dockerfile line ${use.line}: FROM ${use.ref.slice(0, 200)}`;
    if (!config) {
      throw new DeployFlowError(
        'DF_ERR_BUILD_REFUSED',
        `${from}: the image could not be found or fetched, so its ONBUILD triggers cannot be checked`,
      );
    }
    const triggers = config.Config?.OnBuild ?? [];
    if (triggers.length === 0) continue;
    try {
      for (const image of checkTriggers(app, triggers, use.line)) {
        named.push({ ...image, where: `FROM ${use.ref.slice(0, 200)} ONBUILD ${image.where}` });
      }
    } catch (err) {
      if (!isDeployFlowError(err)) throw err;
      const why = err.message.replace(/^Dockerfile line \d+: /, '');
      throw new DeployFlowError('DF_ERR_BUILD_REFUSED', `${from} has an ONBUILD trigger builds may not run: ${why}`);
    }
  }
  return named;
}
