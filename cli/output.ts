// Human output: aligned tables and `key: value` lists (aligned by display width, string-width, so
// wide characters and emoji in names keep the columns straight), bold headings only on a terminal
// (never when piped, or with NO_COLOR), a spinner on stderr while waiting (yocto-spinner, loaded
// only on a terminal). `--json` bypasses all of it.
import { createRequire } from 'node:module';
import { styleText } from 'node:util';

const require = createRequire(import.meta.url);
let stringWidth: ((text: string) => number) | null = null;

/**
 * Terminal columns `text` takes. Printable ASCII is one column a character; anything else asks
 * string-width, loaded then (synchronously, require of an ES module): its Unicode tables and
 * segmenter take ~50 ms to load, which an all-ASCII table (most of them) never pays.
 */
export function displayWidth(text: string): number {
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  stringWidth ??= (require('string-width') as { default: (text: string) => number }).default;
  return stringWidth(text);
}

export const stdoutIsTerminal = (): boolean => process.stdout.isTTY === true && !process.env.NO_COLOR;

const bold = (text: string): string => (stdoutIsTerminal() ? styleText('bold', text) : text);

export function print(text = ''): void {
  process.stdout.write(`${text}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** `text` padded with spaces to `width` terminal columns. */
const padEnd = (text: string, width: number): string => text + ' '.repeat(Math.max(0, width - displayWidth(text)));

/** Columns padded to their widest cell, two spaces apart; the last column is not padded. */
export function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = rows.map((row) => row.map((c) => (c === null || c === undefined ? '' : String(c))));
  const widths = headers.map((h, i) => Math.max(displayWidth(h), ...cells.map((r) => displayWidth(r[i] ?? ''))));
  const line = (row: string[]): string =>
    row
      .map((c, i) => (i === row.length - 1 ? c : padEnd(c, widths[i]!)))
      .join('  ')
      .trimEnd();
  const head = line(headers.map((h) => h.toUpperCase()));
  return [bold(head), ...cells.map(line)].join('\n');
}

export function keyValues(pairs: [string, string | number | boolean | null | undefined][]): string {
  const width = Math.max(...pairs.map(([k]) => displayWidth(k) + 1));
  return pairs.map(([k, v]) => `${bold(padEnd(`${k}:`, width))} ${v ?? ''}`.trimEnd()).join('\n');
}

export const heading = (text: string): string => bold(`=== ${text}`);

export function formatTime(ms: number | null | undefined): string {
  if (!ms) return '';
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ') + 'Z';
}

/** Runs `work`, showing `label...` on stderr (a spinner on a terminal) and `done` or `failed` after it. */
export async function progress<T>(label: string, work: () => Promise<T>): Promise<T> {
  const text = `${label}...`;
  let finish: (ok: boolean) => void;
  if (process.stderr.isTTY === true) {
    const { default: yoctoSpinner } = await import('yocto-spinner');
    // Signals stay the commands' own (logs --tail ends on Ctrl-C with 0).
    const spinner = yoctoSpinner({ text, stream: process.stderr, handleSignals: false }).start();
    finish = (ok) => void (ok ? spinner.success(`${text} done`) : spinner.error(`${text} failed`));
  } else {
    process.stderr.write(text);
    finish = (ok) => void process.stderr.write(` ${ok ? 'done' : 'failed'}\n`);
  }
  try {
    const result = await work();
    finish(true);
    return result;
  } catch (err) {
    finish(false);
    throw err;
  }
}
