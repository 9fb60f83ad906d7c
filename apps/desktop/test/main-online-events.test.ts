// Main's "back online" signal: Electron's net.isOnline() read on a timer, one call per return to online.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pollOnline } from '../src/main/online-events';

afterEach(() => {
  vi.useRealTimers();
});

describe('pollOnline', () => {
  it('calls its listeners once each time the machine comes back online, and stops when asked', () => {
    vi.useFakeTimers();
    let online = true;
    const calls: number[] = [];
    const stop = pollOnline(() => online, 1_000)(() => calls.push(Date.now()));

    vi.advanceTimersByTime(3_000);
    expect(calls).toHaveLength(0);
    online = false;
    vi.advanceTimersByTime(3_000);
    expect(calls).toHaveLength(0);
    online = true;
    vi.advanceTimersByTime(3_000);
    expect(calls).toHaveLength(1);

    stop();
    online = false;
    vi.advanceTimersByTime(1_000);
    online = true;
    vi.advanceTimersByTime(1_000);
    expect(calls).toHaveLength(1);
  });
});
