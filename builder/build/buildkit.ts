// BuildKit's build output: Docker streams `{"id":"moby.buildkit.trace","aux":"<base64>"}` lines
// whose payload is a protobuf StatusResponse (moby/buildkit api/services/control). This decodes
// them and renders plain lines the way `docker build --progress=plain` does: `#N <step>` when a
// step starts, its output as `#N <line>`, then `#N CACHED`, `#N DONE 0.3s` or `#N ERROR: …`.
import protobuf from 'protobufjs';

/** The part of control.proto the trace uses (field numbers as upstream; unused fields left out). */
const SCHEMA = {
  nested: {
    Timestamp: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
    Vertex: {
      fields: {
        digest: { type: 'string', id: 1 },
        name: { type: 'string', id: 3 },
        cached: { type: 'bool', id: 4 },
        started: { type: 'Timestamp', id: 5 },
        completed: { type: 'Timestamp', id: 6 },
        error: { type: 'string', id: 7 },
      },
    },
    VertexLog: { fields: { vertex: { type: 'string', id: 1 }, msg: { type: 'bytes', id: 4 } } },
    VertexWarning: { fields: { vertex: { type: 'string', id: 1 }, short: { type: 'bytes', id: 3 } } },
    StatusResponse: {
      fields: {
        vertexes: { rule: 'repeated', type: 'Vertex', id: 1 },
        logs: { rule: 'repeated', type: 'VertexLog', id: 3 },
        warnings: { rule: 'repeated', type: 'VertexWarning', id: 4 },
      },
    },
  },
};

export const STATUS_RESPONSE = protobuf.Root.fromJSON(SCHEMA).lookupType('StatusResponse');

interface Timestamp {
  seconds?: number | { toNumber(): number };
  nanos?: number;
}
interface Vertex {
  digest: string;
  name?: string;
  cached?: boolean;
  started?: Timestamp;
  completed?: Timestamp;
  error?: string;
}
interface VertexLog {
  vertex: string;
  msg?: Uint8Array;
}
interface VertexWarning {
  vertex: string;
  short?: Uint8Array;
}
interface StatusResponse {
  vertexes?: Vertex[];
  logs?: VertexLog[];
  warnings?: VertexWarning[];
}

function seconds(t: Timestamp | undefined): number {
  if (!t) return 0;
  const s = typeof t.seconds === 'object' ? t.seconds.toNumber() : (t.seconds ?? 0);
  return s + (t.nanos ?? 0) / 1e9;
}

/** One build's trace renderer: step numbers and what was already said carry across messages. */
export class BuildKitProgress {
  private readonly numbers = new Map<string, number>();
  private readonly said = new Set<string>();
  /** Log output not yet ended by a newline, per step. */
  private readonly partial = new Map<string, string>();

  /** Plain lines for one trace payload (the base64 `aux`); an undecodable payload yields none. */
  lines(aux: string): string[] {
    let status: StatusResponse;
    try {
      status = STATUS_RESPONSE.decode(Buffer.from(aux, 'base64')) as unknown as StatusResponse;
    } catch {
      return [];
    }
    const out: string[] = [];
    for (const v of status.vertexes ?? []) {
      const n = this.number(v.digest);
      if (v.started && this.once(`${v.digest} start`)) out.push(`#${n} ${v.name ?? ''}`.trimEnd());
      if (v.cached && this.once(`${v.digest} cached`)) out.push(`#${n} CACHED`);
      if (v.error && this.once(`${v.digest} error`)) out.push(...this.flush(v.digest), `#${n} ERROR: ${v.error}`);
      else if (v.completed && !v.cached && this.once(`${v.digest} done`)) {
        out.push(...this.flush(v.digest), `#${n} DONE ${Math.max(0, seconds(v.completed) - seconds(v.started)).toFixed(1)}s`);
      }
    }
    for (const log of status.logs ?? []) {
      const n = this.number(log.vertex);
      const text = (this.partial.get(log.vertex) ?? '') + Buffer.from(log.msg ?? []).toString('utf8');
      const parts = text.split(/\r?\n/);
      this.partial.set(log.vertex, parts.pop() ?? '');
      for (const part of parts) out.push(`#${n} ${part.split('\r').at(-1) ?? ''}`.trimEnd());
    }
    for (const w of status.warnings ?? []) out.push(`#${this.number(w.vertex)} WARNING: ${Buffer.from(w.short ?? []).toString('utf8')}`);
    return out;
  }

  private number(digest: string): number {
    let n = this.numbers.get(digest);
    if (n === undefined) {
      n = this.numbers.size + 1;
      this.numbers.set(digest, n);
    }
    return n;
  }

  private once(key: string): boolean {
    if (this.said.has(key)) return false;
    this.said.add(key);
    return true;
  }

  private flush(digest: string): string[] {
    const rest = this.partial.get(digest);
    this.partial.delete(digest);
    return rest ? [`#${this.number(digest)} ${rest}`.trimEnd()] : [];
  }
}
