// Recent deployment log lines kept in memory with their line numbers (seq), so a client that
// reconnects gets what it missed even before the batched store append has landed. The
// stored log is the fallback for deployments this instance did not run or has forgotten.
export interface NumberedLine {
  deploymentId: string;
  app: string;
  line: string;
  at: number;
  seq: number;
}

interface Entry {
  lines: NumberedLine[];
  next: number;
  touchedAt: number;
}

export class LogRing {
  private readonly logs = new Map<string, Entry>();

  constructor(
    private readonly perDeployment = 5000,
    private readonly maxDeployments = 200,
  ) {}

  /** Numbers the line (0, 1, 2… per deployment, the same index as in the stored log) and keeps it. */
  push(line: Omit<NumberedLine, 'seq'>): NumberedLine {
    let entry = this.logs.get(line.deploymentId);
    if (!entry) {
      entry = { lines: [], next: 0, touchedAt: 0 };
      this.logs.set(line.deploymentId, entry);
      this.evict();
    }
    const numbered = { ...line, seq: entry.next };
    entry.next += 1;
    entry.touchedAt = Date.now();
    entry.lines.push(numbered);
    if (entry.lines.length > this.perDeployment) entry.lines.splice(0, entry.lines.length - this.perDeployment);
    return numbered;
  }

  /** Lines from `offset` on, or null when the ring cannot cover that range. */
  since(deploymentId: string, offset: number): NumberedLine[] | null {
    const entry = this.logs.get(deploymentId);
    if (!entry) return null;
    const first = entry.lines[0]?.seq ?? entry.next;
    if (offset < first) return null;
    return entry.lines.slice(offset - first);
  }

  private evict(): void {
    if (this.logs.size <= this.maxDeployments) return;
    const oldest = [...this.logs.entries()].sort((a, b) => a[1].touchedAt - b[1].touchedAt)[0];
    if (oldest) this.logs.delete(oldest[0]);
  }
}

/** Splits a stored log into the same numbered lines the live stream carried. */
export function storedLines(deploymentId: string, app: string, text: string, offset: number): NumberedLine[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.slice(offset).map((line, i) => ({ deploymentId, app, line, at: 0, seq: offset + i }));
}
