// A crashed coach window is reloaded and the trader is told; a normal close is left alone; a window that
// keeps crashing is not reloaded in a loop.
import { describe, expect, it } from 'vitest';
import { createCrashRecovery, MAX_RELOADS, RELOAD_WINDOW_MS, RELOADED_NOTICE } from '../src/main/renderer-crash';

describe('createCrashRecovery', () => {
  it('reloads after a crash and says so', () => {
    const recovery = createCrashRecovery(() => 0);
    expect(recovery.onGone('crashed')).toEqual({ action: 'reload', notice: RELOADED_NOTICE });
    expect(RELOADED_NOTICE).toMatch(/stopped unexpectedly and was reloaded/);
  });

  it('leaves a clean exit alone', () => {
    expect(createCrashRecovery(() => 0).onGone('clean-exit')).toEqual({ action: 'none' });
  });

  it(`stops reloading after ${MAX_RELOADS} crashes within a few minutes, then reloads again once they are old`, () => {
    let now = 0;
    const recovery = createCrashRecovery(() => now);
    for (let crash = 0; crash < MAX_RELOADS; crash += 1) expect(recovery.onGone('oom').action).toBe('reload');
    const decision = recovery.onGone('oom');
    expect(decision.action).toBe('give-up');
    expect(decision.action === 'give-up' && decision.message).toMatch(/crashed 4 times.*Copy diagnostics/);
    now += RELOAD_WINDOW_MS + 1;
    expect(recovery.onGone('killed').action).toBe('reload');
  });
});
