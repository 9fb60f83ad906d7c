// What the trader is told for each refusal of the server, and how waits read.
import { describe, expect, it } from 'vitest';
import { formatWait } from '../src/renderer/src/lib/format';
import { noticeFor } from '../src/renderer/src/lib/notices';

const NOW = 1_700_000_000_000;

describe('notices for refused questions', () => {
  it('rate limited: the wait from retryAfterMs, counted down by the window instead of the message', () => {
    const notice = noticeFor(
      {
        code: 'rate_limited',
        message: 'Too many requests: the free plan allows 10 a minute. Try again in 42 s.',
        status: 429,
        retryAfterMs: 41_234,
        details: { window: 'minute', retryAfterMs: 41_234 },
      },
      NOW,
    );
    expect(notice).toEqual({
      kind: 'rate_limited',
      message: 'Too many requests: the free plan allows 10 a minute.',
      until: NOW + 41_234,
      window: 'minute',
    });
  });

  it('too many answers at once, or a busy server: the wait from retryAfterMs (or the header), counted down', () => {
    const streams = noticeFor(
      {
        code: 'too_many_streams',
        message:
          'Too many answers at once: the free plan allows 2 streaming at the same time. Let one finish, then ask again.',
        status: 429,
        retryAfterMs: 3_000,
        details: { limit: 2 },
      },
      NOW,
    );
    expect(streams).toEqual({
      kind: 'busy',
      code: 'too_many_streams',
      message:
        'Too many answers at once: the free plan allows 2 streaming at the same time. Let one finish, then ask again.',
      until: NOW + 3_000,
    });
    const busy = noticeFor(
      { code: 'busy', message: 'The server is busy. Ask again in 5 s.', status: 503, retryAfterMs: 5_000 },
      NOW,
    );
    expect(busy).toEqual({ kind: 'busy', code: 'busy', message: 'The server is busy.', until: NOW + 5_000 });
  });

  it('quota exceeded: carries the quota numbers from the error body', () => {
    const quota = { limit: 100_000, used: 100_500, remaining: 0, percent: 100.5 };
    expect(noticeFor({ code: 'quota_exceeded', message: 'Used up.', status: 402, details: { quota } }, NOW)).toEqual({
      kind: 'quota_exceeded',
      message: 'Used up.',
      quota,
      heldTokens: 0,
    });
    expect(noticeFor({ code: 'quota_exceeded', message: 'Used up.', status: 402 }, NOW)).toMatchObject({
      quota: null,
      heldTokens: 0,
    });
  });

  it('quota exceeded while another answer holds tokens: carries how many, and nothing odd', () => {
    const quota = { limit: 100_000, used: 80_000, remaining: 20_000, percent: 80 };
    const held = (heldTokens: unknown) =>
      noticeFor({ code: 'quota_exceeded', message: 'Held.', status: 402, details: { quota, heldTokens } }, NOW);
    expect(held(19_900)).toMatchObject({ kind: 'quota_exceeded', heldTokens: 19_900 });
    for (const odd of [-5, 1.5, '19900', null]) expect(held(odd)).toMatchObject({ heldTokens: 0 });
  });

  it('coaching misconfigured on the server says the server’s reason, or that its administrator must fix it', () => {
    const retired = 'This server’s coaching model has been retired: its administrator must choose another.';
    expect(noticeFor({ code: 'upstream_unconfigured', message: retired, status: 503 }, NOW)).toEqual({
      kind: 'unconfigured',
      message: retired,
    });
    const unexplained = noticeFor({ code: 'upstream_unconfigured', message: '', status: 503 }, NOW);
    expect(unexplained.kind).toBe('unconfigured');
    expect(unexplained.message).toMatch(/administrator must fix/);
  });

  it('offline, a refused token, and anything else', () => {
    expect(noticeFor({ code: 'offline', message: 'x', status: null }, NOW).kind).toBe('offline');
    for (const code of ['token_missing', 'token_invalid', 'token_expired', 'unauthorized']) {
      expect(noticeFor({ code, message: 'x', status: 401 }, NOW).kind).toBe('signed_out');
    }
    expect(noticeFor({ code: 'payload_too_large', message: 'Too big.', status: 413 }, NOW)).toEqual({
      kind: 'error',
      message: 'Too big.',
      code: 'payload_too_large',
    });
  });
});

describe('waits', () => {
  it('round up to whole seconds, then minutes and hours', () => {
    expect(formatWait(0)).toBe('0 s');
    expect(formatWait(1)).toBe('1 s');
    expect(formatWait(41_234)).toBe('42 s');
    expect(formatWait(65_000)).toBe('1 min 05 s');
    expect(formatWait(3_720_000)).toBe('1 h 02 min');
  });
});
