// Image builds through dockerode: context prepared and checked, then `buildImage` with every
// output line streamed to the deployment log. Builds share a semaphore (the host has few cores)
// and each has a deadline that aborts the request, which makes the daemon cancel the build.
// BuildKit is used when the engine offers it (metadata steps such as ENV or EXPOSE cost nothing
// there, where the classic builder runs a container for each); the classic builder otherwise.
import type Docker from 'dockerode';
import { DeployFlowError, isDeployFlowError } from '../../common/errors/catalogue.js';
import { parseAppName } from '../../common/names/validate.js';
import { prepareContext, type BuildContext } from '../context/context.js';
import type { SourceSpec } from '../context/sources.js';
import type { Detection } from '../detect/detect.js';
import { DEFAULT_PORT, type BaseImages } from '../dockerfile/generate.js';
import { step, systemClock, type Clock, type LogSink } from '../deps.js';
import { checkedLabels, imageTag } from '../docker/names.js';
import { BuildKitProgress } from './buildkit.js';
import { LineSplitter, parseEvent, Tail } from './progress.js';
import { Semaphore } from './semaphore.js';

export interface BuilderOptions {
  docker: Docker;
  images: BaseImages;
  maxConcurrentBuilds?: number;
  buildTimeoutMs?: number;
  clock?: Clock;
  /** `buildkit` (default; falls back to `legacy` when the engine refuses it) or `legacy`. */
  engine?: BuildEngine;
}

export type BuildEngine = 'buildkit' | 'legacy';

/** What an engine without BuildKit (or without build sessions) answers to `version=2`. */
const NO_BUILDKIT = /buildkit|session/i;

export interface BuildRequest {
  app: string;
  deploymentId: string;
  source: SourceSpec;
  /** The app's configured port; unset means the image's EXPOSE, else 5000. */
  port?: number;
  log: LogSink;
  labels?: Record<string, string>;
  /** Cancels a queued or running build (e.g. superseded by a newer push). */
  signal?: AbortSignal;
}

export interface BuildResult {
  image: string;
  imageId: string;
  port: number;
  detected: Detection['kind'];
  durationMs: number;
}

const KIND_NAMES: Record<Detection['kind'], string> = {
  dockerfile: 'Dockerfile in the repository', node: 'Node.js app', python: 'Python app', go: 'Go app', static: 'static site',
};

export interface Builder {
  build(req: BuildRequest): Promise<BuildResult>;
  readonly running: number;
  readonly queued: number;
}

function exposedPort(inspect: Docker.ImageInspectInfo): number | undefined {
  const first = Object.keys(inspect.Config?.ExposedPorts ?? {}).find((k) => k.endsWith('/tcp'));
  const port = first ? Number.parseInt(first, 10) : NaN;
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}

export function createBuilder(opts: BuilderOptions): Builder {
  const slots = new Semaphore(opts.maxConcurrentBuilds ?? 1);
  const timeoutMs = opts.buildTimeoutMs ?? 10 * 60_000;
  const clock = opts.clock ?? systemClock;
  let engine: BuildEngine = opts.engine ?? 'buildkit';

  /** Starts the build on the current engine; an engine that refuses BuildKit gets the classic builder from then on. */
  async function startBuild(ctx: BuildContext, image: string, signal: AbortSignal, req: BuildRequest): Promise<NodeJS.ReadableStream> {
    const options = {
      // No app/deployment labels on images: the classic builder runs one more step per build
      // for them (≈ 0.1 s, and a cache miss on every redeploy). The repository name
      // `deployflow/<app>` identifies an app's images; containers carry the labels.
      t: image, dockerfile: ctx.dockerfilePath, ...(req.labels ? { labels: checkedLabels(req.labels) } : {}),
      rm: true, forcerm: true, abortSignal: signal,
    };
    if (engine === 'buildkit') {
      const context = ctx.open();
      try {
        return await opts.docker.buildImage(context as unknown as NodeJS.ReadableStream, { ...options, version: '2' } as Docker.ImageBuildOptions);
      } catch (err) {
        context.destroy(); // stops its producer (git archive) too; the classic build opens a new one
        if (signal.aborted || !(err instanceof Error) || !NO_BUILDKIT.test(err.message)) throw err;
        engine = 'legacy';
        req.log(`       BuildKit is not available on this Docker Engine (${err.message.slice(0, 200)}); using the classic builder`);
      }
    }
    return opts.docker.buildImage(ctx.open() as unknown as NodeJS.ReadableStream, options);
  }

  async function runBuild(req: BuildRequest): Promise<BuildResult> {
    const app = parseAppName(req.app);
    const image = imageTag(app, req.deploymentId);
    const started = clock.now();
    step(req.log, 'Preparing build context');
    const ctx = await prepareContext(req.source, opts.images, req.port);
    step(req.log, `Detected ${KIND_NAMES[ctx.detection.kind]}`);
    if (ctx.generatedDockerfile) for (const line of ctx.generatedDockerfile.trimEnd().split('\n')) req.log(`       ${line}`);
    step(req.log, `Building image ${image}`);

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; controller.abort(); }, timeoutMs);
    const onCancel = (): void => controller.abort();
    req.signal?.addEventListener('abort', onCancel, { once: true });
    const tail = new Tail(30);
    const emit = (line: string): void => { tail.push(line); req.log(line); };
    let imageId = '';
    try {
      const output = await startBuild(ctx, image, controller.signal, req);
      const trace = new BuildKitProgress();
      const splitter = new LineSplitter();
      for await (const chunk of output as AsyncIterable<Buffer>) {
        for (const json of splitter.push(chunk)) {
          const event = parseEvent(json, trace);
          event.lines.forEach(emit);
          if (event.imageId) imageId = event.imageId;
          if (event.error) throw new DeployFlowError('DF_ERR_BUILD_FAILED', `The image build failed: ${event.error.trim().slice(0, 500)}`, { lines: tail.get() });
        }
      }
      for (const json of splitter.flush()) parseEvent(json, trace).lines.forEach(emit);
    } catch (err) {
      if (timedOut) throw new DeployFlowError('DF_ERR_BUILD_TIMEOUT', `The image build took longer than ${Math.round(timeoutMs / 1000)}s and was stopped`, { lines: tail.get() });
      if (req.signal?.aborted) throw new DeployFlowError('DF_ERR_BUILD_FAILED', 'The build was cancelled', { lines: tail.get() });
      if (isDeployFlowError(err)) throw err;
      throw new DeployFlowError('DF_ERR_BUILD_FAILED', `The image build failed: ${err instanceof Error ? err.message : String(err)}`, { lines: tail.get() });
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onCancel);
    }

    const inspect = await opts.docker.getImage(image).inspect().catch(() => undefined);
    if (!inspect) throw new DeployFlowError('DF_ERR_BUILD_FAILED', 'The build ended without producing an image', { lines: tail.get() });
    const port = req.port ?? (ctx.detection.kind === 'dockerfile' ? exposedPort(inspect) ?? DEFAULT_PORT : ctx.port);
    const durationMs = clock.now() - started;
    step(req.log, `Built ${image} in ${(durationMs / 1000).toFixed(1)}s (app port ${port})`);
    return { image, imageId: imageId || inspect.Id, port, detected: ctx.detection.kind, durationMs };
  }

  return {
    async build(req) {
      return slots.run(async () => {
        if (req.signal?.aborted) throw new DeployFlowError('DF_ERR_BUILD_FAILED', 'The build was cancelled before it started');
        return runBuild(req);
      }, (position) => step(req.log, `Waiting for a build slot (number ${position} in the queue)`));
    },
    get running() { return slots.running; },
    get queued() { return slots.queued; },
  };
}
