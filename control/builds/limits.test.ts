import assert from 'node:assert/strict';
import { it } from 'node:test';
import { BUILD_MEMORY_FLOOR_MB, buildMemoryMb } from './limits.js';

it("a build's memory is what the owner's quota leaves, within the configured size and never under the floor", () => {
  assert.equal(buildMemoryMb(2048, null, 99_999), 2048, 'admins are exempt');
  assert.equal(buildMemoryMb(2048, 8192, 1024), 2048);
  assert.equal(buildMemoryMb(2048, 8192, 7192), 1000);
  assert.equal(buildMemoryMb(2048, 8192, 8192), BUILD_MEMORY_FLOOR_MB);
});
