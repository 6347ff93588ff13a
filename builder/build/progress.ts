// Docker's build output is newline-delimited JSON ({stream}, {status}, {aux:{ID}}, {error}, and
// with BuildKit {id:"moby.buildkit.trace", aux:"<base64 protobuf>"}). This turns chunks of it
// into plain log lines, remembering the last few for errors.
import type { BuildKitProgress } from './buildkit.js';
export interface BuildEvent {
  lines: string[];
  error?: string;
  imageId?: string;
}

interface RawEvent {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string } | string;
}

/** One JSON line of build output; `trace` renders BuildKit's trace lines (it keeps step numbers). */
export function parseEvent(json: string, trace?: BuildKitProgress): BuildEvent {
  let raw: RawEvent;
  try {
    raw = JSON.parse(json) as RawEvent;
  } catch {
    return { lines: json.trim() ? [json.trim()] : [] };
  }
  if (raw.id === 'moby.buildkit.trace') return { lines: trace && typeof raw.aux === 'string' ? trace.lines(raw.aux) : [] };
  const imageId = typeof raw.aux === 'object' ? raw.aux.ID : undefined;
  const text = raw.stream ?? (raw.status ? `${raw.id ? `${raw.id}: ` : ''}${raw.status}` : '');
  // Strip terminal escapes and carriage-return redraws; the dashboard shows plain lines.
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  const lines = clean
    .split('\n')
    .map((l) => l.replace(/\r$/, '').split('\r').at(-1) ?? '')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '');
  const error = raw.error ?? raw.errorDetail?.message;
  return { lines, ...(error ? { error } : {}), ...(imageId ? { imageId } : {}) };
}

/** Splits a byte stream into complete JSON lines, keeping the unfinished tail. */
export class LineSplitter {
  private buffer = '';

  push(chunk: Buffer | string): string[] {
    this.buffer += chunk.toString();
    const parts = this.buffer.split('\n');
    this.buffer = parts.pop() ?? '';
    return parts.filter((p) => p.trim() !== '');
  }

  flush(): string[] {
    const rest = this.buffer.trim();
    this.buffer = '';
    return rest ? [rest] : [];
  }
}

/** Keeps the last `size` lines. */
export class Tail {
  private readonly lines: string[] = [];

  constructor(private readonly size = 30) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.size) this.lines.shift();
  }

  get(): string[] {
    return [...this.lines];
  }
}
