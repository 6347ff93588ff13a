// Images built on the manager reach the other nodes through the operator's registry
// (DEPLOYFLOW_REGISTRY): tagged under it and pushed before the service changes, so a registry
// that refuses the push fails the deploy with nothing changed.
import type Docker from 'dockerode';
import { DeployFlowError } from '../../../common/errors/catalogue.js';

/** `deployflow/shop:abc` under `registry.local:5000` → `registry.local:5000/deployflow/shop:abc` (pure). */
export function registryRef(image: string, registry: string): string {
  return image.startsWith(`${registry}/`) ? image : `${registry}/${image}`;
}

export async function pushImage(docker: Docker, image: string, registry: string): Promise<string> {
  const ref = registryRef(image, registry);
  const colon = ref.lastIndexOf(':');
  const [repo, tag] = colon > ref.lastIndexOf('/') ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, 'latest'];
  try {
    if (ref !== image) await docker.getImage(image).tag({ repo, tag });
    const stream = await docker.getImage(ref).push({ tag });
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (err: Error | null, events: Array<{ error?: string }>) => {
        const failed = events?.find((e) => e.error);
        if (err || failed) reject(err ?? new Error(failed?.error));
        else resolve();
      });
    });
  } catch (err) {
    throw new DeployFlowError(
      'DF_ERR_RELEASE_FAILED',
      `The registry ${registry} refused ${ref}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return ref;
}
