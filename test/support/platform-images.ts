// The platform's own images (deploy/docker/Dockerfile), built the way a user builds them but from
// local base images, because tests can neither pull nor reach the npm registry from a container:
// BASE_IMAGE is the node-tools test base, and DEPS_IMAGE carries the production dependencies,
// pruned inside the build from this checkout's installed node_modules (the Dockerfile then skips
// `npm ci`). The context is what .dockerignore lets through plus the built dashboard (web/dist),
// which the Dockerfile then uses instead of building it.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import tarFs from 'tar-fs';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

const REGEX_SPECIAL = new Set('.+?^$' + '{}()|[]\\');

/**
 * One .dockerignore pattern as Docker reads it: `*` within one name, a leading `**` plus slash
 * across folders; a match excludes what is under it.
 */
function patternRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i += 1) {
    if (pattern.startsWith('**/', i)) {
      out += '(?:.*/)?';
      i += 2;
    } else if (pattern[i] === '*') out += '[^/]*';
    else out += REGEX_SPECIAL.has(pattern[i]!) ? `\\${pattern[i]}` : pattern[i];
  }
  return new RegExp(`^${out}(?:/.*)?$`);
}

/** Whether .dockerignore keeps a path (relative to the context root) out, minus the patterns in `keep`. */
function dockerignore(keep: string[]): (relPath: string) => boolean {
  const regexes = fs
    .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !keep.includes(l))
    .map(patternRegex);
  return (relPath) => regexes.some((r) => r.test(relPath));
}

export const PLATFORM_TARGETS = ['gateway', 'dns', 'git', 'control'] as const;
export type PlatformTarget = (typeof PLATFORM_TARGETS)[number];

/** Runs one build on the classic builder (what docker-compose v1 uses); a failed step throws with the output's tail. */
async function build(docker: Docker, context: NodeJS.ReadableStream, options: Docker.ImageBuildOptions): Promise<void> {
  const output = await docker.buildImage(context, { rm: true, forcerm: true, ...options });
  const lines: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const onEvent = (event: { stream?: string; error?: string }): void => {
      if (event.stream) lines.push(...event.stream.split('\n').filter(Boolean));
      if (event.error) lines.push(`ERROR: ${event.error}`);
    };
    docker.modem.followProgress(output, (err: Error | null) => (err ? reject(err) : resolve()), onEvent);
  }).catch((err: Error) => {
    throw new Error(`building ${options.t} failed: ${err.message}\n${lines.slice(-30).join('\n')}`);
  });
  if (lines.some((l) => l.startsWith('ERROR: '))) throw new Error(`building ${options.t} failed:\n${lines.slice(-30).join('\n')}`);
}

async function imageExists(docker: Docker, name: string): Promise<boolean> {
  return docker
    .getImage(name)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}

const DEPS_DOCKERFILE = `ARG BASE_IMAGE
FROM \${BASE_IMAGE} AS prune
WORKDIR /app
COPY package.json package-lock.json ./
COPY node_modules ./node_modules
RUN npm prune --omit=dev --offline --no-audit --no-fund
FROM \${BASE_IMAGE}
COPY --from=prune /app/node_modules /app/node_modules
`;

/** `deployflow-test/platform-deps:<lock hash>`: /app/node_modules, production only; made once per lock file. */
export async function ensureDepsImage(docker: Docker, baseImage: string): Promise<string> {
  const lock = fs.readFileSync(path.join(ROOT, 'package-lock.json'));
  const hash = createHash('sha256').update(lock).update(baseImage).digest('hex').slice(0, 16);
  const name = `deployflow-test/platform-deps:${hash}`;
  if (await imageExists(docker, name)) return name;
  // Dev-only packages stay out of the context (npm prune would remove them anyway).
  const devOnly = new Set(
    Object.entries((JSON.parse(lock.toString('utf8')) as { packages: Record<string, { dev?: boolean }> }).packages)
      .filter(([, meta]) => meta.dev)
      .map(([key]) => path.join(ROOT, key)),
  );
  const context = tarFs.pack(ROOT, {
    entries: ['package.json', 'package-lock.json', 'node_modules'],
    ignore: (name) => devOnly.has(name),
    finalize: false,
    finish: (pack) => {
      pack.entry({ name: 'Dockerfile.deps' }, DEPS_DOCKERFILE);
      pack.finalize();
    },
  });
  const options = { t: name, dockerfile: 'Dockerfile.deps', buildargs: { BASE_IMAGE: baseImage } };
  await build(docker, context as unknown as NodeJS.ReadableStream, options);
  return name;
}

/** Builds one service's image (`<repo>/<target>:<tag>`) from this checkout. */
export async function buildPlatformImage(
  docker: Docker,
  target: PlatformTarget,
  image: string,
  args: { baseImage: string; depsImage: string },
): Promise<void> {
  if (!fs.existsSync(path.join(ROOT, 'web/dist/index.html'))) throw new Error('web/dist is missing: run `make web` (make test does) first');
  // The context `docker build` sends, plus the dashboard this checkout built (the Dockerfile uses it).
  const ignored = dockerignore(['web/dist']);
  const context = tarFs.pack(ROOT, { ignore: (name) => ignored(path.relative(ROOT, name)) });
  const previous = await docker
    .getImage(image)
    .inspect()
    .then(
      (i) => i.Id,
      () => null,
    );
  await build(docker, context as unknown as NodeJS.ReadableStream, {
    t: image,
    dockerfile: 'deploy/docker/Dockerfile',
    target,
    buildargs: { BASE_IMAGE: args.baseImage, DEPS_IMAGE: args.depsImage },
  });
  // The image the tag named before (older sources) would stay behind untagged on every source change.
  const current = await docker
    .getImage(image)
    .inspect()
    .then((i) => i.Id);
  if (previous && previous !== current)
    await docker
      .getImage(previous)
      .remove()
      .catch(() => undefined);
}
