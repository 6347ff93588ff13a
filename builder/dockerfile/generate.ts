// Dockerfiles for detected apps (pure). Every generated image sets `ENV PORT` and EXPOSEs the
// app port (the PORT convention), and drops root: the node image's `node` user, nginx's `nginx`
// user, or a numeric uid where the base image has no suitable user. User-supplied text (a
// Procfile line) only ever appears JSON-encoded inside an exec-form CMD, so it cannot start a
// new Dockerfile instruction.
import type { Detection, NodeFacts, StartCommand } from '../detect/detect.js';
import { nginxConf } from './nginx.js';

export interface BaseImages {
  node: string;
  static: string;
  python: string;
  go: string;
}

/** Where generated files live inside the build context; repo entries there are dropped. */
export const GENERATED_DIR = '.deployflow';
export const GENERATED_DOCKERFILE = `${GENERATED_DIR}/Dockerfile`;
export const DEFAULT_PORT = 5000;
const APP_UID = '10001:10001';

export interface Generated {
  /** Path of the Dockerfile inside the context. */
  dockerfilePath: string;
  /** Files to add to the context (path → content); empty when the repo's Dockerfile is used. */
  files: Record<string, string>;
  port: number;
}

function cmd(start: StartCommand): string {
  return `CMD ${JSON.stringify(start)}`;
}

function nodeFile(image: string, facts: NodeFacts, start: StartCommand, port: number): string {
  const lines = [`FROM ${image}`, `ENV PORT=${port}`, 'WORKDIR /app'];
  const writes = facts.install !== null || facts.build;
  // npm writes into /app (node_modules, build output), so the unprivileged user must own it.
  if (writes) lines.push('RUN chown node:node /app');
  lines.push('USER node');
  if (facts.install) {
    lines.push(`COPY --chown=node:node ${facts.manifests.join(' ')} ./`);
    lines.push(facts.install === 'ci' ? 'RUN npm ci --no-audit --no-fund' : 'RUN npm install --no-audit --no-fund');
  }
  lines.push('COPY --chown=node:node . .');
  if (facts.build) lines.push('RUN npm run build');
  // Only after the build: NODE_ENV=production earlier would make npm skip the devDependencies
  // a build script usually needs.
  lines.push('ENV NODE_ENV=production', `EXPOSE ${port}`, cmd(start));
  return lines.join('\n') + '\n';
}

function pythonFile(image: string, start: StartCommand, port: number): string {
  return (
    [
      `FROM ${image}`,
      `ENV PORT=${port} PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1`,
      'WORKDIR /app',
      'COPY requirements.txt ./',
      'RUN pip install -r requirements.txt',
      'COPY . .',
      `USER ${APP_UID}`,
      `EXPOSE ${port}`,
      cmd(start),
    ].join('\n') + '\n'
  );
}

function goFile(image: string, start: StartCommand | null, port: number): string {
  return (
    [
      `FROM ${image} AS build`,
      'WORKDIR /src',
      'COPY go.* ./',
      'RUN go mod download',
      'COPY . .',
      'RUN CGO_ENABLED=0 go build -o /out/app .',
      // The runtime stage reuses the same base so no second image must be pulled; it shares layers.
      `FROM ${image}`,
      'COPY --from=build /out/app /app/app',
      'WORKDIR /app',
      `ENV PORT=${port}`,
      `USER ${APP_UID}`,
      `EXPOSE ${port}`,
      cmd(start ?? ['/app/app']),
    ].join('\n') + '\n'
  );
}

function staticFile(image: string, port: number): string {
  return (
    [
      `FROM ${image}`,
      `ENV PORT=${port}`,
      `COPY ${GENERATED_DIR}/nginx.conf /etc/deployflow-nginx.conf`,
      'COPY . /usr/share/nginx/html',
      'USER nginx',
      `EXPOSE ${port}`,
      cmd(['nginx', '-c', '/etc/deployflow-nginx.conf', '-g', 'daemon off;']),
    ].join('\n') + '\n'
  );
}

export function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`port must be 1-65535, got ${port}`);
  return port;
}

/**
 * Decides the Dockerfile for a detection. `port` is the app's configured port, if any; for a
 * repo Dockerfile it is only a hint (the image's EXPOSE is read after the build).
 */
export function generate(detection: Detection, images: BaseImages, port?: number): Generated {
  const p = checkPort(port ?? DEFAULT_PORT);
  switch (detection.kind) {
    case 'dockerfile':
      return { dockerfilePath: 'Dockerfile', files: {}, port: p };
    case 'node':
      return {
        dockerfilePath: GENERATED_DOCKERFILE,
        files: { [GENERATED_DOCKERFILE]: nodeFile(images.node, detection.node, detection.start, p) },
        port: p,
      };
    case 'python':
      return {
        dockerfilePath: GENERATED_DOCKERFILE,
        files: { [GENERATED_DOCKERFILE]: pythonFile(images.python, detection.start, p) },
        port: p,
      };
    case 'go':
      return { dockerfilePath: GENERATED_DOCKERFILE, files: { [GENERATED_DOCKERFILE]: goFile(images.go, detection.start, p) }, port: p };
    case 'static':
      return {
        dockerfilePath: GENERATED_DOCKERFILE,
        files: { [GENERATED_DOCKERFILE]: staticFile(images.static, p), [`${GENERATED_DIR}/nginx.conf`]: nginxConf(p) },
        port: p,
      };
  }
}
