// Following runtime logs across reconnects without losing or repeating lines. Runtime lines carry
// no sequence number, so after each (re)subscribe the CLI reads the recent tail over REST and
// places it against what it already printed, per replica: the tail is cut after the longest run
// that matches the end of what was printed. Live lines that arrived meanwhile are then shown
// unless they are the very lines the tail ended with. One limit remains: identical consecutive
// lines at the seam (a `tick` printed every second) cannot be told apart and may show once.
const KEEP = 2000;

export interface LogLine {
  replica: string;
  text: string;
}

export const formatLine = (l: LogLine): string => `${l.replica} | ${l.text}`;

/** `replica | text`, as GET /apps/:name/logs answers. */
export function parseTailLine(raw: string): LogLine {
  const bar = raw.indexOf(' | ');
  return bar < 0 ? { replica: '', text: raw } : { replica: raw.slice(0, bar), text: raw.slice(bar + 3) };
}

export class PrintedLog {
  private readonly byReplica = new Map<string, string[]>();

  private remember(line: LogLine): void {
    let lines = this.byReplica.get(line.replica);
    if (!lines) this.byReplica.set(line.replica, (lines = []));
    lines.push(line.text);
    if (lines.length > KEEP) lines.splice(0, lines.length - KEEP);
  }

  /** The tail's lines not printed yet (in the tail's order), now remembered as printed. */
  mergeTail(tail: LogLine[]): LogLine[] {
    const fresh = new Set<number>();
    const groups = new Map<string, number[]>();
    tail.forEach((l, i) => {
      const g = groups.get(l.replica);
      if (g) g.push(i);
      else groups.set(l.replica, [i]);
    });
    for (const [replica, indexes] of groups) {
      const printed = this.byReplica.get(replica) ?? [];
      const texts = indexes.map((i) => tail[i]!.text);
      const from = afterLongestMatch(printed, texts);
      for (const i of indexes.slice(from)) fresh.add(i);
    }
    const out = tail.filter((_, i) => fresh.has(i));
    for (const l of out) this.remember(l);
    return out;
  }

  /** Live lines that arrived while the tail was read: those the tail already ended with are dropped. */
  mergeLive(live: LogLine[]): LogLine[] {
    const toSkip = new Map<string, number>();
    for (const replica of new Set(live.map((l) => l.replica))) {
      toSkip.set(
        replica,
        seamOverlap(
          this.byReplica.get(replica) ?? [],
          live.filter((l) => l.replica === replica).map((l) => l.text),
        ),
      );
    }
    const out = live.filter((l) => {
      const skip = toSkip.get(l.replica) ?? 0;
      toSkip.set(l.replica, skip - 1);
      return skip <= 0;
    });
    for (const l of out) this.remember(l);
    return out;
  }

  /** A line shown as it arrived. */
  printedLive(line: LogLine): void {
    this.remember(line);
  }
}

/**
 * Index in `tail` after which its lines are new: the place where the end of `printed` matches the
 * longest run of `tail` (the latest of equally long runs); 0 when nothing matches.
 */
export function afterLongestMatch(printed: string[], tail: string[]): number {
  if (printed.length === 0) return 0;
  const last = printed[printed.length - 1];
  let best = { run: 0, end: -1 };
  for (let j = tail.length - 1; j >= 0; j -= 1) {
    if (tail[j] !== last) continue;
    let run = 1;
    while (run <= j && run < printed.length && tail[j - run] === printed[printed.length - 1 - run]) run += 1;
    if (run > best.run) best = { run, end: j };
  }
  return best.end + 1;
}

/** How many of `live`'s first lines repeat the last lines of `printed` (the longest such seam). */
export function seamOverlap(printed: string[], live: string[]): number {
  for (let k = Math.min(printed.length, live.length); k > 0; k -= 1) {
    let same = true;
    for (let i = 0; i < k && same; i += 1) same = live[i] === printed[printed.length - k + i];
    if (same) return k;
  }
  return 0;
}
