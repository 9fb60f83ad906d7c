// The usage read once an answer is over: one read, except after a Stop, when it is read again (backing off)
// until the server shows it recorded the stopped answer.
import type { UsageCurrentResponse } from '@strat-coach/server/contract';
import { describe, expect, it } from 'vitest';
import type { HostResult } from '../src/shared/host-api';
import { readUsageAfterAnswer } from '../src/shared/usage-after-answer';

const withRequests = (requests: number): UsageCurrentResponse => ({
  tier: 'free',
  period: { start: '2026-01-01T00:00:00.000Z', end: '2026-02-01T00:00:00.000Z' },
  tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
  quota: { limit: 100_000, used: 2_000, remaining: 98_000, percent: 2 },
  requests,
  costUsd: 0,
  cache: { hitRate: 0, savingsUsd: 0 },
});

/** Answers each read from the list in turn (the last one again once it runs out), and counts the reads. */
function reads(...answers: HostResult<UsageCurrentResponse>[]) {
  let count = 0;
  const pauses: number[] = [];
  return {
    read: async () => answers[Math.min(count++, answers.length - 1)]!,
    wait: async (ms: number) => void pauses.push(ms),
    count: () => count,
    pauses,
  };
}

describe('readUsageAfterAnswer', () => {
  it('reads once after an answer that finished or was refused', async () => {
    const server = reads({ ok: true, value: withRequests(3) });
    const usage = await readUsageAfterAnswer({ ...server, before: withRequests(3), stopped: false });
    expect(usage).toEqual({ ok: true, value: withRequests(3) });
    expect(server.count()).toBe(1);
  });

  it('after a Stop, reads again until the server has recorded the stopped answer', async () => {
    const server = reads(
      { ok: true, value: withRequests(3) },
      { ok: true, value: withRequests(3) },
      { ok: true, value: withRequests(4) },
    );
    const usage = await readUsageAfterAnswer({ ...server, before: withRequests(3), stopped: true });
    expect(usage).toEqual({ ok: true, value: withRequests(4) });
    expect(server.count()).toBe(3);
    expect(server.pauses).toEqual([50, 100]);
  });

  it('after a Stop, gives up after a bounded number of reads, and at once on an error', async () => {
    const never = reads({ ok: true, value: withRequests(3) });
    expect(await readUsageAfterAnswer({ ...never, before: withRequests(3), stopped: true })).toMatchObject({
      ok: true,
    });
    expect(never.count()).toBe(7);
    const offline = reads({ ok: false, error: { code: 'offline', message: 'x', status: null } });
    await readUsageAfterAnswer({ ...offline, before: withRequests(3), stopped: true });
    expect(offline.count()).toBe(1);
  });

  it('after a Stop with nothing read before, reads once: there is nothing to compare with', async () => {
    const server = reads({ ok: true, value: withRequests(3) });
    await readUsageAfterAnswer({ ...server, before: null, stopped: true });
    expect(server.count()).toBe(1);
  });
});
