import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BEGIN, END, localAddress, platformNames, withBlock, withoutBlock } from './block.js';

const HOSTS = '127.0.0.1 localhost\n::1 localhost ip6-localhost\n# keep me\n';

void test('the block names the apex and each routed name under the domain, nothing else', () => {
  assert.deepEqual(platformNames('paas.local', ['shop.paas.local', 'Blog.paas.local', 'paas.local', 'shop.example.com', '*.paas.local']), [
    'paas.local',
    'blog.paas.local',
    'shop.paas.local',
  ]);
  assert.deepEqual(platformNames('paas.local', ['notpaas.local']), ['paas.local'], 'a suffix match is not a subdomain');
});

void test('adding then removing the block gives the file back byte for byte', () => {
  const added = withBlock(HOSTS, '127.0.0.1', ['paas.local', 'shop.paas.local']);
  assert.equal(added, `${HOSTS}${BEGIN}\n127.0.0.1\tpaas.local\n127.0.0.1\tshop.paas.local\n${END}\n`);
  assert.equal(withoutBlock(added), HOSTS);
  assert.equal(withoutBlock(HOSTS), HOSTS, 'no block: nothing changes');
});

void test('a new table replaces the block in place of appending a second one', () => {
  const once = withBlock(HOSTS, '127.0.0.1', ['paas.local', 'a.paas.local']);
  const twice = withBlock(`${once}10.0.0.9 added-later\n`, '127.0.0.1', ['paas.local']);
  assert.equal(twice, `${HOSTS}10.0.0.9 added-later\n${BEGIN}\n127.0.0.1\tpaas.local\n${END}\n`);
  assert.equal(twice.split(BEGIN).length, 2);
});

void test('a file without a final newline keeps its last line intact', () => {
  const added = withBlock('127.0.0.1 localhost', '127.0.0.1', ['paas.local']);
  assert.ok(added.startsWith('127.0.0.1 localhost\n# BEGIN'));
  assert.equal(withoutBlock(added), '127.0.0.1 localhost\n');
});

void test('a block whose end line was deleted by hand loses only its begin line (never the lines after it)', () => {
  const broken = `${HOSTS}${BEGIN}\n127.0.0.1\tpaas.local\n192.168.1.2 nas\n`;
  assert.equal(withoutBlock(broken), `${HOSTS}127.0.0.1\tpaas.local\n192.168.1.2 nas\n`);
});

void test('local clients use the bind address when it is a specific one', () => {
  assert.equal(localAddress('0.0.0.0'), '127.0.0.1');
  assert.equal(localAddress('::'), '127.0.0.1');
  assert.equal(localAddress('10.1.2.3'), '10.1.2.3');
});
