// A build context: the checked source tree plus the generated Dockerfile (and its helper files),
// as one tar stream for dockerode. Detection and generation are decided before streaming starts,
// so the caller can log what was detected and which port the image will listen on.
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { DETECT_FILES, detect, type Detection } from '../detect/detect.js';
import { GENERATED_DIR, GENERATED_DOCKERFILE, generate, type BaseImages } from '../dockerfile/generate.js';
import { openSource, type Source, type SourceSpec } from './sources.js';
import { checkTree } from './tree-check.js';

export interface BuildContext {
  detection: Detection;
  dockerfilePath: string;
  /** The generated Dockerfile, if one was generated (for the log). */
  generatedDockerfile: string | undefined;
  port: number;
  /** The text of the Dockerfile the build uses (the repository's or the generated one). */
  dockerfileText: string;
  /** The same context building `text` instead, placed at GENERATED_DOCKERFILE (the build policy's rewrite). */
  withDockerfile(text: string): BuildContext;
  /** Opens a new tar stream of the context (each call reads the source again). */
  open(): Readable;
}

// A fixed mtime keeps generated entries byte-identical between builds, so the layer cache hits.
const GENERATED_MTIME = new Date(0);

export async function prepareContext(spec: SourceSpec, images: BaseImages, port?: number): Promise<BuildContext> {
  const source = await openSource(spec);
  checkTree(source.entries);
  const contents: Partial<Record<(typeof DETECT_FILES)[number], string>> = {};
  const read = await source.readTop(DETECT_FILES.filter((n) => source.topNames.has(n)));
  for (const name of DETECT_FILES) {
    const text = read.get(name);
    if (text !== undefined) contents[name] = text;
  }
  const detection = detect({ names: source.topNames, contents });
  const generated = generate(detection, images, port);
  const dockerfileText = generated.files[generated.dockerfilePath] ?? contents.Dockerfile ?? '';
  return contextOf(source, detection, generated.dockerfilePath, generated.files, generated.port, dockerfileText);
}

function contextOf(
  source: Source,
  detection: Detection,
  dockerfilePath: string,
  files: Record<string, string>,
  port: number,
  dockerfileText: string,
): BuildContext {
  const extra = Object.entries(files);
  const skip = (name: string): boolean => extra.length > 0 && (name === GENERATED_DIR || name.startsWith(`${GENERATED_DIR}/`));
  return {
    detection,
    dockerfilePath,
    generatedDockerfile: detection.kind === 'dockerfile' ? undefined : files[dockerfilePath],
    port,
    dockerfileText,
    withDockerfile(text) {
      return contextOf(source, detection, GENERATED_DOCKERFILE, { ...files, [GENERATED_DOCKERFILE]: text }, port, text);
    },
    open() {
      const pack = tar.pack();
      const fill = async (): Promise<void> => {
        await source.writeTo(pack, skip);
        if (extra.length > 0) pack.entry({ name: `${GENERATED_DIR}/`, type: 'directory', mode: 0o755, mtime: GENERATED_MTIME });
        for (const [name, body] of extra) pack.entry({ name, mode: 0o644, mtime: GENERATED_MTIME }, body);
        pack.finalize();
      };
      fill().catch((err: unknown) => pack.destroy(err instanceof Error ? err : new Error(String(err))));
      return pack as unknown as Readable;
    },
  };
}
