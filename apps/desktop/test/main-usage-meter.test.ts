// The tray's usage meter: the words the trader reads for each session and quota state, the gauge icon, and
// the reads after answers that end close together.
import { describe, expect, it } from 'vitest';
import type { UsageCurrentResponse } from '@strat-coach/server/contract';
import { createUsageMeter, meterIcon, meterView } from '../src/main/usage-meter';

const signedIn = { status: 'signed_in', subject: 'user_1', expiresAt: 0 } as const;

const usage = (quota: UsageCurrentResponse['quota']): { ok: true; value: UsageCurrentResponse } => ({
  ok: true,
  value: {
    tier: 'free',
    period: { start: '2030-05-01T00:00:00.000Z', end: '2030-06-01T00:00:00.000Z' },
    tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    quota,
    overage: { tokens: 0, reportedTokens: 0 },
    requests: 3,
    costUsd: 0.01,
    cache: { hitRate: 0, savingsUsd: 0 },
  },
});

describe('meterView', () => {
  it('shows the quota used and the chart questions left, with the tokens and when it resets in the tooltip', () => {
    const view = meterView(signedIn, usage({ limit: 100_000, used: 42_000, remaining: 58_000, percent: 42 }));
    expect(view).toEqual({
      plan: 'Free plan',
      label: 'Quota 42% — ≈ 27 chart questions left',
      tooltip: 'Strat Coach — Free plan\nQuota 42% — ≈ 27 chart questions left\n58,000 tokens left\nRenews 1 Jun 2030',
      level: 'ok',
      percent: 42,
      percentText: '42%',
    });
  });

  it.each([
    [79.9, 'ok', 'Quota 79% — ≈ 9 chart questions left'],
    [80, 'warn', 'Quota 80% — ≈ 9 chart questions left'],
    [99.95, 'warn', 'Quota 99% — Less than one chart question left'],
    [99.999, 'warn', 'Quota 99% — Less than one chart question left'],
    [100, 'full', 'Quota 100% — used up'],
  ] as const)('at %s%% the level is %s', (percent, level, label) => {
    const used = Math.round(percent * 1000);
    // The server's percent is rounded to 0.1 (99,999 arrives as 100): the tray reads the counts.
    const rounded = Math.round(percent * 10) / 10;
    const view = meterView(signedIn, usage({ limit: 100_000, used, remaining: 100_000 - used, percent: rounded }));
    expect(view).toMatchObject({ level, label });
  });

  it('says so for plans without a cap, signed-out traders and an unreachable server', () => {
    expect(meterView(signedIn, usage({ limit: null, used: 1_234_567, remaining: null, percent: null })).label).toBe(
      'Unlimited plan — 1,234,567 tokens used',
    );
    expect(meterView({ status: 'signed_out' }, null)).toMatchObject({ label: 'Signed out', level: 'none' });
    expect(
      meterView(signedIn, {
        ok: false,
        error: { code: 'offline', message: 'The coach server cannot be reached.', status: null },
      }),
    ).toMatchObject({ label: 'Usage unavailable', tooltip: 'Strat Coach — The coach server cannot be reached.' });
  });
});

describe('meterIcon', () => {
  const pixel = (bitmap: Buffer, size: number, x: number, y: number) => {
    const at = (y * size + x) * 4;
    return [bitmap[at + 2], bitmap[at + 1], bitmap[at], bitmap[at + 3]];
  };

  it('fills the gauge from the bottom, in the colour of the level, at 1x and 2x', () => {
    for (const size of [16, 32]) {
      const half = meterIcon({ level: 'ok', percent: 50 }, size);
      expect(half).toHaveLength(size * size * 4);
      const unit = size / 16;
      expect(pixel(half, size, 8 * unit, 13 * unit)).toEqual([0x34, 0xa8, 0x53, 0xff]);
      expect(pixel(half, size, 8 * unit, 3 * unit)).toEqual([0, 0, 0, 0]);
      expect(pixel(half, size, 0, 0)).toEqual([0, 0, 0, 0]);
    }
    const full = meterIcon({ level: 'full', percent: 100 }, 16);
    expect(pixel(full, 16, 8, 3)).toEqual([0xd9, 0x30, 0x25, 0xff]);
  });
});

describe('the reads after answers', () => {
  /**
   * /usage/current as the server answers it: 10,000 tokens per recorded answer; with `settled`, once that answer
   * is recorded. A stopped answer is recorded a moment after its stream ends, when the test says so.
   */
  function usageServer() {
    const recorded = new Set<string>();
    const waiting = new Map<string, () => void>();
    let reads = 0;
    const current = () => {
      const used = recorded.size * 10_000;
      return usage({ limit: 100_000, used, remaining: 100_000 - used, percent: used / 1_000 });
    };
    return {
      reads: () => reads,
      record(requestId: string) {
        recorded.add(requestId);
        waiting.get(requestId)?.();
      },
      fetchUsage: (settled?: string) =>
        new Promise<ReturnType<typeof current>>((resolve) => {
          reads += 1;
          if (!settled || recorded.has(settled)) resolve(current());
          else waiting.set(settled, () => resolve(current()));
        }),
    };
  }

  it('a stopped answer right after a completed one is counted once the server has recorded it', async () => {
    const server = usageServer();
    const meter = createUsageMeter({ session: () => signedIn, fetchUsage: server.fetchUsage, onView: () => undefined });
    meter.afterAnswer({ outcome: 'cancelled', requestId: 'req-A' });
    server.record('req-B');
    meter.afterAnswer({ outcome: 'completed', requestId: 'req-B' });
    meter.afterAnswer({ outcome: 'cancelled', requestId: 'req-C' });

    server.record('req-A');
    // The one read that follows asks before C is recorded: it must wait for C, or the tray stays at 20%.
    await expect.poll(() => server.reads()).toBe(2);
    server.record('req-C');
    await expect.poll(() => meter.view().percentText).toBe('30%');
    expect(server.reads()).toBe(2);
    meter.stop();
  });
});
