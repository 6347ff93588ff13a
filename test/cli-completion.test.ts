// `deployflow completion bash`, run by real bash as bash runs a completion function: the script is
// sourced, COMP_WORDS/COMP_CWORD/COMP_LINE/COMP_POINT are set the way bash sets them for a line
// (bash splits words at ':', which is in COMP_WORDBREAKS), _deployflow is called with the
// arguments bash gives it, and COMPREPLY is what bash would insert in place of the text after the
// last word break. (zsh is not installed here: the zsh script is checked only for its shape.)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run as runProgram } from './git-fixtures.js';

const BIN = path.join(import.meta.dirname, '..', 'bin', 'deployflow');

/** A program with a HOME of its own and nothing but PATH from this environment. */
const run = (file: string, args: string[]) => runProgram(file, args, { env: { PATH: process.env.PATH!, HOME: os.tmpdir() } });

/** bash's word list for a line: blanks separate words, and each ':' is a word of its own. */
function bashWords(line: string, breaks: string): string[] {
  const words: string[] = [];
  for (const blankWord of line.split(/[ \t]+/)) {
    if (!breaks.includes(':')) {
      words.push(blankWord);
      continue;
    }
    const parts = blankWord.split(/(:)/).filter((p) => p !== '');
    words.push(...(parts.length ? parts : ['']));
  }
  return words;
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

describe('bash completion', () => {
  let dir: string;
  let script: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployflow-completion-'));
    const r = await run(process.execPath, [BIN, 'completion', 'bash']);
    assert.equal(r.code, 0, r.stderr);
    script = path.join(dir, 'deployflow.bash');
    fs.writeFileSync(script, r.stdout);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** What bash offers at the end of `line` (sorted), with COMP_WORDBREAKS as bash's default or without ':'. */
  async function complete(line: string, opts: { colonBreaks?: boolean } = {}): Promise<string[]> {
    const breaks = opts.colonBreaks === false ? ` \t\n"'><=;|&(` : ` \t\n"'><=;|&(:`;
    const words = bashWords(line, breaks);
    const cword = words.length - 1;
    const cmd = [
      `source ${q(script)}`,
      `COMP_WORDBREAKS=${q(breaks)}`,
      `COMP_WORDS=(${words.map(q).join(' ')})`,
      `COMP_CWORD=${cword}`,
      `COMP_LINE=${q(line)}`,
      `COMP_POINT=${line.length}`,
      `_deployflow deployflow ${q(words[cword]!)} ${q(words[cword - 1] ?? '')}`,
      `printf '%s\\n' "\${COMPREPLY[@]}"`,
      // What `complete` registered, so a script that never binds the function fails here.
      'complete -p deployflow',
    ].join('\n');
    const r = await run('bash', ['--norc', '--noprofile', '-c', cmd]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.pop(), 'complete -o default -F _deployflow deployflow');
    return lines.filter((l) => l !== '').sort();
  }

  it('completes a command name after its colon, as bash inserts it', async () => {
    // bash's words are `deployflow apps : cr`; it replaces the `cr` after the ':'.
    assert.deepEqual(bashWords('deployflow apps:cr', ` \t\n"'><=;|&(:`), ['deployflow', 'apps', ':', 'cr']);
    assert.deepEqual(await complete('deployflow apps:cr'), ['create']);
    assert.deepEqual(await complete('deployflow apps:'), ['create', 'destroy', 'info', 'transfer']);
    assert.deepEqual(await complete('deployflow teams:members:'), ['add', 'remove']);
    assert.deepEqual(await complete('deployflow edge:a'), ['autoscale']);
  });

  it('completes whole names where there is no colon in the word, or none in COMP_WORDBREAKS', async () => {
    assert.deepEqual(await complete('deployflow con'), ['config', 'config:get', 'config:set', 'config:unset', 'control']);
    assert.deepEqual(await complete('deployflow apps:cr', { colonBreaks: false }), ['apps:create']);
    assert.ok((await complete('deployflow ')).includes('apps:destroy'));
  });

  it('offers the options of the whole x:y command, not of its first half', async () => {
    assert.deepEqual(await complete('deployflow apps:destroy --co'), ['--confirm']);
    assert.deepEqual(await complete('deployflow apps:destroy shop --'), ['--app', '--confirm', '--help', '--json']);
    assert.deepEqual(await complete('deployflow apps --co'), []);
    assert.deepEqual(await complete('deployflow logs -a shop --t'), ['--tail']);
    assert.deepEqual(await complete('deployflow edge:autoscale --m'), ['--max', '--min']);
    assert.deepEqual(await complete('deployflow apps:destroy --co', { colonBreaks: false }), ['--confirm']);
  });

  it('prints a zsh script naming every command with its summary (zsh itself is not installed here)', async () => {
    const r = await run(process.execPath, [BIN, 'completion', 'zsh']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^#compdef deployflow\n/);
    assert.match(r.stdout, /'apps\\:destroy:Delete an app, its containers, routes and repository'/);
    assert.match(r.stdout, / {4}apps:destroy\) opts=\(--json --help --app --confirm\) ;;/);
  });
});
