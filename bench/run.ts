// `make bench`: runs every bench/*.bench.ts in turn (each prints its own side-by-side table) and
// stops at the first that fails. A single one: `node --import tsx bench/run.ts gateway`.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const dir = import.meta.dirname;
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();

for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(dir, file)], { stdio: 'inherit' });
    child.on('exit', resolve);
  });
  if (code !== 0) {
    console.error(`${file} failed with exit code ${code}`);
    process.exit(1);
  }
}
if (files.length === 0) console.log('no benchmarks found');
