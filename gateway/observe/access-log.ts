// JSON access log, one line per request. Lines are batched and written every 100 ms (or at 64 KB)
// so logging costs a string concatenation per request, not a syscall.
import fs from 'node:fs';
import path from 'node:path';

export interface AccessEntry {
  id: string;
  remote: string;
  host: string;
  method: string;
  path: string;
  status: number;
  ms: number;
  upstream: string;
  app: string;
}

export class AccessLog {
  private buffer = '';
  private readonly fd: number | null;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(target: string) {
    if (target === 'off') this.fd = null;
    else if (target === 'stdout') this.fd = 1;
    else {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      this.fd = fs.openSync(target, 'a', 0o640);
    }
    if (this.fd !== null) {
      this.timer = setInterval(() => this.flush(), 100);
      this.timer.unref();
    }
  }

  get enabled(): boolean {
    return this.fd !== null;
  }

  write(e: AccessEntry): void {
    if (this.fd === null) return;
    this.buffer += `{"time":"${new Date().toISOString()}","id":${JSON.stringify(e.id)},"remote":"${e.remote}","host":${JSON.stringify(e.host)},"method":${JSON.stringify(e.method)},"path":${JSON.stringify(e.path)},"status":${e.status},"ms":${e.ms.toFixed(2)},"app":"${e.app}","upstream":"${e.upstream}"}\n`;
    if (this.buffer.length > 65536) this.flush();
  }

  flush(): void {
    if (this.fd === null || this.buffer === '') return;
    const data = this.buffer;
    this.buffer = '';
    // Synchronous on purpose: at most every 100 ms or 64 KB, and it keeps lines whole and ordered.
    try {
      fs.writeSync(this.fd, data);
    } catch {
      /* a full disk must not stop the proxy */
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
    if (this.fd !== null && this.fd !== 1) fs.closeSync(this.fd);
  }
}
