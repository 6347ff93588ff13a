// Human output: aligned tables and `key: value` lists, bold headings only on a terminal (never
// when piped, or with NO_COLOR), a spinner on stderr while waiting. `--json` bypasses all of it.
import { styleText } from 'node:util';

export const stdoutIsTerminal = (): boolean => process.stdout.isTTY === true && !process.env.NO_COLOR;

const bold = (text: string): string => (stdoutIsTerminal() ? styleText('bold', text) : text);

export function print(text = ''): void {
  process.stdout.write(`${text}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Columns padded to their widest cell, two spaces apart; the last column is not padded. */
export function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = rows.map((row) => row.map((c) => (c === null || c === undefined ? '' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (row: string[]): string =>
    row
      .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const head = line(headers.map((h) => h.toUpperCase()));
  return [bold(head), ...cells.map(line)].join('\n');
}

export function keyValues(pairs: [string, string | number | boolean | null | undefined][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length + 1));
  return pairs.map(([k, v]) => `${bold(`${k}:`.padEnd(width))} ${v ?? ''}`.trimEnd()).join('\n');
}

export const heading = (text: string): string => bold(`=== ${text}`);

export function formatTime(ms: number | null | undefined): string {
  if (!ms) return '';
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ') + 'Z';
}

/** Runs `work`, showing `label…` on stderr (animated on a terminal) and `done` or `failed` after it. */
export async function progress<T>(label: string, work: () => Promise<T>): Promise<T> {
  const terminal = process.stderr.isTTY === true;
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let frame = 0;
  let timer: NodeJS.Timeout | null = null;
  if (terminal) {
    process.stderr.write(`${frames[0]} ${label}...`);
    timer = setInterval(() => {
      frame = (frame + 1) % frames.length;
      process.stderr.write(`\r${frames[frame]} ${label}...`);
    }, 80);
  } else {
    process.stderr.write(`${label}...`);
  }
  const finish = (word: string): void => {
    if (timer) clearInterval(timer);
    if (!terminal) return void process.stderr.write(` ${word}\n`);
    process.stderr.cursorTo(0);
    process.stderr.clearLine(1);
    process.stderr.write(`${label}... ${word}\n`);
  };
  try {
    const result = await work();
    finish('done');
    return result;
  } catch (err) {
    finish('failed');
    throw err;
  }
}
