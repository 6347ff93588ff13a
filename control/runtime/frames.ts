// Incremental demux of a followed Docker log stream (pure): frames arrive split anywhere, lines
// span frames, UTF-8 characters span chunks. builder/docker/logs.ts handles whole buffers (tail);
// this keeps state between chunks and remembers which stream each line came from.
import { StringDecoder } from 'node:string_decoder';

export type LogStream = 'stdout' | 'stderr';
export interface LogLine {
  stream: LogStream;
  line: string;
}

export class LogFrameDecoder {
  private pending: Buffer = Buffer.alloc(0);
  private readonly text: Record<LogStream, string> = { stdout: '', stderr: '' };
  private readonly utf8: Record<LogStream, StringDecoder> = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };

  push(chunk: Buffer): LogLine[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: LogLine[] = [];
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      const stream: LogStream = this.pending[0] === 2 ? 'stderr' : 'stdout';
      this.text[stream] += this.utf8[stream].write(this.pending.subarray(8, 8 + size));
      this.pending = this.pending.subarray(8 + size);
      const parts = this.text[stream].split('\n');
      this.text[stream] = parts.pop() ?? '';
      for (const p of parts) out.push({ stream, line: p.replace(/\r$/, '') });
    }
    return out;
  }

  /** Whatever is left when the stream ends (a last line without newline). */
  end(): LogLine[] {
    const out: LogLine[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.text[stream] + this.utf8[stream].end();
      if (rest) out.push({ stream, line: rest });
      this.text[stream] = '';
    }
    return out;
  }
}

/** Splits Docker's `timestamps: true` prefix off a line; lines without one sort first. */
export function splitTimestamp(line: string): { ts: string; text: string } {
  const m = /^(\d{4}-\d\d-\d\dT\S+Z)(?: (.*))?$/.exec(line);
  return m ? { ts: m[1]!, text: m[2] ?? '' } : { ts: '', text: line };
}
