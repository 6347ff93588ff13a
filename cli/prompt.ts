// Questions on the terminal (the password without echo), or answers read line by line from a
// pipe, so `printf 'me@x\npass\n' | deployflow login` works in scripts and tests.
import readline from 'node:readline';
import { Writable } from 'node:stream';

export interface Prompter {
  ask(question: string, secret?: boolean): Promise<string>;
  close(): void;
}

export function prompter(): Prompter {
  // Echo goes to stderr so stdout stays the command's answer; a secret answer is not echoed.
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const terminal = process.stdin.isTTY === true;
  const rl = readline.createInterface({ input: process.stdin, output, terminal });
  const lines: string[] = [];
  const waiting: ((line: string | null) => void)[] = [];
  let ended = false;
  rl.on('line', (line) => {
    const w = waiting.shift();
    if (w) w(line);
    else lines.push(line);
  });
  rl.on('close', () => {
    ended = true;
    for (const w of waiting.splice(0)) w(null);
  });
  return {
    async ask(question, secret = false) {
      process.stderr.write(question);
      muted = secret && terminal;
      const line = lines.shift() ?? (ended ? null : await new Promise<string | null>((resolve) => waiting.push(resolve)));
      // Nothing echoed the end of the line: a piped answer, or a secret typed on the terminal.
      if (muted || !terminal) process.stderr.write('\n');
      muted = false;
      if (line === null) throw new Error('no answer on standard input');
      return line.trim();
    },
    close: () => rl.close(),
  };
}
