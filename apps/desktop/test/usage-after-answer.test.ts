// The usage read once an answer is over is one read. After a Stop it names the stopped answer's request id,
// and the server answers once it has recorded that answer (server: chat-stream-failures.test.ts, "usage after
// a Stop"); main-bridge.test.ts checks the whole path through main.
import { describe, expect, it } from 'vitest';
import { settledAfter, usageCurrentPath } from '../src/shared/usage-after-answer';

const REQUEST = '0b9d4a5e-2f7c-4c1e-9a51-3f0d7c2e8b11';

describe('the usage read after an answer', () => {
  it('waits for the answer only when it was stopped, also before the model began it', () => {
    expect(settledAfter({ outcome: 'cancelled', requestId: REQUEST })).toBe(REQUEST);
    // Stopped before its stream opened: the server never named it, and has nothing to record.
    expect(settledAfter({ outcome: 'cancelled', requestId: null })).toBeUndefined();
    for (const outcome of ['completed', 'failed', 'refused', 'crashed'] as const) {
      expect(settledAfter({ outcome, requestId: REQUEST })).toBeUndefined();
    }
  });

  it('names the stopped answer in the one read', () => {
    expect(usageCurrentPath()).toBe('/usage/current');
    expect(usageCurrentPath(REQUEST)).toBe(`/usage/current?settled=${REQUEST}`);
  });
});
