// The shutdown's clock: a step's wait ends at its deadline after the shutdown began, never before the shutdown;
// what the step does is neither hurried nor lost.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { beforeShutdownStep, shutdownClock } from '../src/services/shutdown.js';

const never = () => new Promise<never>(() => undefined);

describe('the shutdown clock', () => {
  it('has no deadline before the shutdown, and counts down from its start', async () => {
    const shutdown = shutdownClock();
    expect(shutdown.left(5_000)).toBe(Number.POSITIVE_INFINITY);
    const slow = beforeShutdownStep(
      sleep(60).then(() => 'kept'),
      shutdown,
      0,
      'the statement',
    );
    await expect(slow).resolves.toBe('kept');
    shutdown.begin();
    expect(shutdown.left(5_000)).toBeGreaterThan(4_000);
    expect(shutdown.left(5_000)).toBeLessThanOrEqual(5_000);
    await sleep(30);
    expect(shutdown.left(10)).toBe(0);
  });

  it('ends the wait of a step still running at its deadline, from when the shutdown began', async () => {
    const shutdown = shutdownClock();
    const waiting = beforeShutdownStep(never(), shutdown, 50, 'the statement');
    shutdown.begin();
    await expect(waiting).rejects.toThrow('shutting down: the statement did not finish in time');
    // Begun later than its deadline: the wait ends at once.
    await sleep(60);
    await expect(beforeShutdownStep(never(), shutdown, 50, 'the readings')).rejects.toThrow(/the readings/);
  });

  it('passes on what the step gives, or its own failure, when it ends first', async () => {
    const shutdown = shutdownClock();
    shutdown.begin();
    await expect(beforeShutdownStep(Promise.resolve(7), shutdown, 1_000, 'x')).resolves.toBe(7);
    await expect(beforeShutdownStep(Promise.reject(new Error('refused')), shutdown, 1_000, 'x')).rejects.toThrow(
      'refused',
    );
  });
});
