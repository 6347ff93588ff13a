import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { footprint, quotaViolation, sumFootprints } from './quota.js';

const limits = { replicas: 10, memoryMb: 4096 };

describe('quota arithmetic', () => {
  it('sizes an app as replicas and replicas × memory', () => {
    assert.deepEqual(footprint({ replicas: 3, limits: { memoryMb: 256 } }), { replicas: 3, memoryMb: 768 });
    assert.deepEqual(
      sumFootprints([
        { replicas: 1, memoryMb: 10 },
        { replicas: 2, memoryMb: 20 },
      ]),
      { replicas: 3, memoryMb: 30 },
    );
  });
  it('allows what fits, exactly up to the limit', () => {
    assert.equal(quotaViolation({ replicas: 6, memoryMb: 1024 }, null, { replicas: 4, memoryMb: 3072 }, limits), null);
  });
  it('names the replica limit', () => {
    assert.match(
      quotaViolation({ replicas: 8, memoryMb: 0 }, null, { replicas: 3, memoryMb: 3 }, limits) ?? '',
      /Replica quota exceeded.*11 replicas.*limit is 10/,
    );
  });
  it('names the memory limit', () => {
    assert.match(
      quotaViolation({ replicas: 0, memoryMb: 4000 }, null, { replicas: 1, memoryMb: 512 }, limits) ?? '',
      /Memory quota exceeded.*4512 MB.*4096 MB/,
    );
  });
  it('never refuses a change that does not grow the dimension over the limit', () => {
    const before = { replicas: 12, memoryMb: 1200 };
    assert.equal(quotaViolation({ replicas: 0, memoryMb: 0 }, before, { replicas: 11, memoryMb: 1100 }, limits), null);
    assert.match(quotaViolation({ replicas: 0, memoryMb: 0 }, before, { replicas: 13, memoryMb: 1300 }, limits) ?? '', /Replica/);
  });
});
