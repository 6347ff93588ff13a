// The build policy's view of a Dockerfile (pure). A Dockerfile is a tenant's program that the
// engine runs with the engine's own reach, so the instructions that make the *engine* act —
// rather than a RUN step inside the build's limits — are checked here, with a real parser:
// - `FROM`, `COPY --from` and `RUN --mount=…,from=` name images: every external name is
//   returned for the image check (builder/policy/images.ts); stages of this file are fine.
// - `ADD <url>` is fetched by the engine from the host's network (it reached control's loopback
//   port): refused. A download belongs in a RUN step, which runs inside the build network's rules.
// - `RUN --mount=type=cache` ids are rewritten into the app's own namespace, so neither the
//   default id (the target path) nor a spoofed `id=` reaches another app's cache.
// - `--mount=type=secret|ssh` are refused (DeployFlow hands builds no secrets or SSH agent),
//   as are `RUN --network=host` and `--security=insecure`.
// - `# syntax=` would make the engine fetch and run a frontend image of the tenant's choice: it
//   is removed, the engine's built-in Dockerfile frontend builds the file.
// Only what a policy needs is looked at; everything else passes through byte for byte.
import { createHash } from 'node:crypto';
import { DockerfileParser, type Flag, type Instruction } from 'dockerfile-ast';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import type { AppName } from '../../common/names/validate.js';

export interface ImageUse {
  /** What names it, for the log: `FROM`, `COPY --from`, `RUN --mount from`. */
  where: string;
  /** 1-based line of the instruction. */
  line: number;
  /** The reference after ARG expansion, as written otherwise. */
  ref: string;
}

export interface CheckedDockerfile {
  /** The Dockerfile to build: cache ids namespaced, a syntax directive removed. */
  text: string;
  /** Every external image the file uses. */
  images: ImageUse[];
  /** What was changed, for the build log. */
  notes: string[];
}

interface Position {
  line: number;
  character: number;
}
interface Edit {
  start: Position;
  end: Position;
  text: string;
}

const URL_SOURCE = /^(?:[A-Za-z][A-Za-z0-9+.-]*:\/\/|git@)/;

function refuse(line: number, why: string): never {
  throw new DeployFlowError('DF_ERR_BUILD_REFUSED', `Dockerfile line ${line}: ${why}`);
}

/** A namespaced cache id: the app's name keeps apps apart, the hash keeps the id one option value. */
export function cacheId(app: AppName, id: string): string {
  return `deployflow.${app}.${createHash('sha256').update(id).digest('hex').slice(0, 24)}`;
}

/** `$X`, `${X}`, `${X:-word}`, `${X:+word}` with the global ARG defaults; anything else is refused. */
function expand(value: string, args: Map<string, string>, line: number): string {
  if (value.includes('\\')) refuse(line, `"${value.slice(0, 80)}" has an escape DeployFlow cannot check`);
  return value.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))|\$/g,
    (whole, braced?: string, op?: string, word?: string, bare?: string) => {
      const name = braced ?? bare;
      if (!name) return refuse(line, `"${value.slice(0, 80)}" has a variable form DeployFlow cannot check`);
      const set = args.get(name);
      if (op === '-') return set ? set : (word ?? '');
      if (op === '+') return set ? (word ?? '') : '';
      if (set === undefined) refuse(line, `"${whole}" has no default value before the first FROM, so the image cannot be checked`);
      return set;
    },
  );
}

function lineOf(i: Instruction): number {
  return i.getRange().start.line + 1;
}

interface StageScope {
  names: Map<string, number>;
  index: number;
}

/** A `--from` / `from=` value: a stage of this file (by name or earlier index) or an external image. */
function fromReference(value: string, scope: StageScope, where: string, line: number, images: ImageUse[]): void {
  if (value.includes('$')) refuse(line, `${where} with a variable cannot be checked; name the stage or image`);
  const stage = scope.names.get(value.toLowerCase());
  if (stage !== undefined && stage < scope.index) return;
  if (/^[0-9]+$/.test(value) && Number(value) < scope.index) return;
  images.push({ where, line, ref: value });
}

function checkMount(
  app: AppName,
  flag: Flag,
  scope: StageScope,
  line: number,
  images: ImageUse[],
  edits: Edit[],
  inTrigger: boolean,
): void {
  const options = flag.getOptions();
  const get = (name: string): string | null => options.find((o) => o.getName().toLowerCase() === name)?.getValue() ?? null;
  const type = (get('type') ?? 'bind').toLowerCase();
  if (type === 'secret' || type === 'ssh') {
    refuse(
      line,
      `RUN --mount=type=${type} is not supported: builds get no secrets or SSH agent; set env vars on the app for runtime secrets`,
    );
  }
  if (type !== 'bind' && type !== 'cache' && type !== 'tmpfs') refuse(line, `RUN --mount=type=${type.slice(0, 20)} is not supported`);
  const from = get('from');
  if (from !== null) fromReference(from, scope, 'RUN --mount from', line, images);
  if (type !== 'cache') return;
  if (inTrigger) refuse(line, 'ONBUILD RUN --mount=type=cache is not supported');
  const target = get('target') ?? get('dst') ?? get('destination');
  if (!target) refuse(line, 'RUN --mount=type=cache needs a target');
  const range = flag.getValueRange();
  if (!range) refuse(line, 'RUN --mount without options');
  const kept = options.filter((o) => o.getName().toLowerCase() !== 'id').map((o) => o.toString());
  edits.push({ ...range, text: [...kept, `id=${cacheId(app, get('id') ?? target)}`].join(',') });
}

function checkInstruction(app: AppName, i: Instruction, scope: StageScope, images: ImageUse[], edits: Edit[], trigger?: number): void {
  const keyword = i.getKeyword().toUpperCase();
  const line = trigger ?? lineOf(i);
  const inTrigger = trigger !== undefined;
  const flags = 'getFlags' in i && typeof i.getFlags === 'function' ? (i.getFlags() as Flag[]) : [];
  const flag = (name: string): Flag[] => flags.filter((f) => f.getName().toLowerCase() === name);
  if (keyword === 'ADD') {
    const json =
      'getJSONStrings' in i && typeof i.getJSONStrings === 'function' ? (i.getJSONStrings() as Array<{ getJSONValue(): string }>) : [];
    const args = json.length > 0 ? json.map((a) => a.getJSONValue()) : i.getArguments().map((a) => a.getValue());
    for (const source of args.slice(0, -1)) {
      if (URL_SOURCE.test(source)) {
        refuse(line, `ADD ${source.slice(0, 120)}: the engine would fetch it from the platform's own network; download it in a RUN step`);
      }
      if (source.includes('$')) refuse(line, 'ADD with a variable source cannot be checked; name the file');
    }
  }
  if (keyword === 'ADD' || keyword === 'COPY') {
    for (const f of flag('from')) fromReference(f.getValue() ?? '', scope, `${keyword} --from`, line, images);
  }
  if (keyword === 'RUN') {
    for (const f of flag('mount')) checkMount(app, f, scope, line, images, edits, inTrigger);
    for (const f of flag('network')) {
      const mode = (f.getValue() ?? '').toLowerCase();
      if (mode !== 'default' && mode !== 'none') refuse(line, `RUN --network=${mode.slice(0, 20)} is not allowed`);
    }
    for (const f of flag('security'))
      if ((f.getValue() ?? '').toLowerCase() !== 'sandbox') refuse(line, 'RUN --security=insecure is not allowed');
  }
  if (keyword === 'ONBUILD') {
    if (inTrigger) refuse(line, 'nested ONBUILD');
    const trigger = (i as unknown as { getTriggerInstruction(): Instruction | null }).getTriggerInstruction();
    if (trigger) {
      const triggerKeyword = trigger.getKeyword().toUpperCase();
      if (triggerKeyword === 'FROM' || triggerKeyword === 'ONBUILD') refuse(line, `ONBUILD ${triggerKeyword} is not allowed`);
      const nested = DockerfileParser.parse(trigger.toString()).getInstructions()[0];
      // A trigger runs in a later build of this app's image, where stages differ: only images are allowed.
      if (nested) checkInstruction(app, nested, { names: new Map(), index: 0 }, images, [], line);
    }
  }
}

/**
 * The ONBUILD triggers of a base image (its config's `OnBuild`, e.g. `ADD http://… /x`): they run
 * in this build right after its FROM, so they get the same policy as the file's own lines. They
 * cannot be edited (the image is not ours), so a cache mount in one is refused, and every `--from`
 * counts as an external image. Returns the images the triggers name.
 */
export function checkTriggers(app: AppName, triggers: readonly string[], line: number): ImageUse[] {
  const images: ImageUse[] = [];
  for (const trigger of triggers) {
    const parsed = DockerfileParser.parse(`${trigger}\n`).getInstructions();
    const first = parsed[0];
    if (parsed.length !== 1 || !first) refuse(line, `a trigger DeployFlow cannot read: ${trigger.slice(0, 120)}`);
    const keyword = first.getKeyword().toUpperCase();
    if (keyword === 'FROM' || keyword === 'ONBUILD' || keyword === 'MAINTAINER') refuse(line, `ONBUILD ${keyword} is not allowed`);
    checkInstruction(app, first, { names: new Map(), index: 0 }, images, [], line);
  }
  return images;
}

function offsets(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

function applyEdits(text: string, edits: Edit[]): string {
  const starts = offsets(text);
  const at = (p: Position): number => (starts[p.line] ?? text.length) + p.character;
  let out = text;
  for (const e of [...edits].sort((a, b) => at(b.start) - at(a.start))) out = out.slice(0, at(e.start)) + e.text + out.slice(at(e.end));
  return out;
}

export function checkDockerfile(text: string, app: AppName): CheckedDockerfile {
  const df = DockerfileParser.parse(text);
  const images: ImageUse[] = [];
  const edits: Edit[] = [];
  const notes: string[] = [];
  for (const d of df.getDirectives()) {
    if (d.getName().toLowerCase() === 'syntax') {
      edits.push({ ...d.getRange(), text: '# deployflow: syntax directive removed' });
      notes.push(`The "# syntax=${d.getValue().slice(0, 80)}" line is ignored: the engine's built-in Dockerfile frontend builds it`);
    }
  }
  const globalArgs = new Map<string, string>();
  for (const arg of df.getInitialARGs()) {
    const property = arg.getProperty();
    const name = property?.getName();
    if (name) globalArgs.set(name, property?.getValue() ?? '');
  }
  const froms = df.getFROMs();
  if (froms.length === 0) refuse(1, 'no FROM instruction');
  const scope: StageScope = { names: new Map(), index: -1 };
  for (const i of df.getInstructions()) {
    if (i.getKeyword().toUpperCase() === 'FROM') {
      const from = froms.find((f) => f.getRange().start.line === i.getRange().start.line);
      scope.index += 1;
      const image = expand(from?.getImage() ?? '', globalArgs, lineOf(i));
      if (image === '') refuse(lineOf(i), 'FROM without an image');
      const stage = scope.names.get(image.toLowerCase());
      if (stage === undefined && image.toLowerCase() !== 'scratch') images.push({ where: 'FROM', line: lineOf(i), ref: image });
      const name = from?.getBuildStage();
      if (name) scope.names.set(name.toLowerCase(), scope.index);
      continue;
    }
    checkInstruction(app, i, scope, images, edits);
  }
  return { text: applyEdits(text, edits), images, notes };
}
