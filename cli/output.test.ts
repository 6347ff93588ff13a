// Tables align by display width (string-width): a wide character takes two columns, an emoji two,
// so the next column starts at the same screen column on every row.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import stringWidth from 'string-width';
import { keyValues, table } from './output.js';
import { nearestCommand } from './registry.js';

void test('table columns line up on screen with wide characters and emoji', () => {
  const lines = table(
    ['name', 'state'],
    [
      ['日本語', 'running'],
      ['shop', 'stopped'],
      ['café 🚀', 'running'],
    ],
  ).split('\n');
  assert.equal(lines[0], 'NAME     STATE');
  const column = (line: string): number => stringWidth(line.slice(0, line.search(/(running|stopped)$/)));
  assert.deepEqual(lines.slice(1).map(column), [9, 9, 9]);
  assert.equal(lines[1], '日本語   running');
  assert.equal(
    keyValues([
      ['名前', 'x'],
      ['ID', 'y'],
    ]),
    '名前: x\nID:   y',
  );
});

void test('an unknown command suggests the nearest one, or none when nothing is near', async () => {
  assert.equal(await nearestCommand('aps'), 'apps');
  assert.equal(await nearestCommand('config:st'), 'config:set');
  assert.equal(await nearestCommand('rollbak'), 'rollback');
  assert.equal(await nearestCommand('completely-different'), null);
});
