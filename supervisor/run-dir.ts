// What `deployflow up` and scripts/start-redis.sh started is recorded in <data dir>/run, so
// `deployflow down` can stop exactly that. A pid alone can be reused by an unrelated process
// after a crash or a reboot; each record therefore keeps the process's start time as the kernel
// reports it (/proc/<pid>/stat), and a pid whose start time differs is not ours.
import fs from 'node:fs';
import path from 'node:path';

export interface ProcessRecord {
  pid: number;
  /** Start time in clock ticks since boot (Linux); null where /proc is unavailable. */
  started: string | null;
}

export function runDir(dataDir: string): string {
  return path.join(dataDir, 'run');
}

/** Field 22 of /proc/<pid>/stat: when the process started. The command name before it may hold spaces and parentheses. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function writeRecord(dir: string, role: string, pid: number): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const record: ProcessRecord = { pid, started: processStartTime(pid) };
  fs.writeFileSync(path.join(dir, `${role}.pid`), `${JSON.stringify(record)}\n`);
}

export function removeRecord(dir: string, role: string): void {
  fs.rmSync(path.join(dir, `${role}.pid`), { force: true });
}

/** A record, or null when absent or unreadable. Redis writes a bare pid: that is read too (start time unknown). */
export function readRecord(dir: string, role: string): ProcessRecord | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, `${role}.pid`), 'utf8').trim();
  } catch {
    return null;
  }
  if (/^[0-9]+$/.test(text)) return { pid: Number(text), started: null };
  try {
    const parsed = JSON.parse(text) as Partial<ProcessRecord>;
    if (typeof parsed.pid !== 'number' || !Number.isInteger(parsed.pid) || parsed.pid <= 1) return null;
    return { pid: parsed.pid, started: typeof parsed.started === 'string' ? parsed.started : null };
  } catch {
    return null;
  }
}

/** The recorded process still runs and is the same process (not a reused pid). */
export function stillRuns(record: ProcessRecord, expectedCommand?: string): boolean {
  if (!isAlive(record.pid)) return false;
  const started = processStartTime(record.pid);
  if (record.started !== null && started !== null && started !== record.started) return false;
  if (expectedCommand) {
    try {
      return fs.readFileSync(`/proc/${record.pid}/comm`, 'utf8').trim() === expectedCommand;
    } catch {
      return true; // no /proc: the pid check is all there is
    }
  }
  return true;
}
