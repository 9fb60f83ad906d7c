// The streaming answer as data: events in order, Stop freezing it, failures with their retry wait.
import type { CoachEvent } from '@strat-coach/server/contract';
import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  canRetry,
  isContinuation,
  isOpen,
  startAnswer,
  stopAnswer,
  toHistory,
  type LiveAnswer,
} from '../src/renderer/src/lib/live-answer';
import { coachStatus, contentDelta, streamComplete, streamStart } from './support/coach-events';

const QUOTA = { limit: 100_000, used: 120, remaining: 99_880, percent: 0.1 };
const start = streamStart('c-1', 'm-1');
const delta = contentDelta;
const complete = streamComplete(QUOTA);

const play = (answer: LiveAnswer, events: CoachEvent[], now = 0): LiveAnswer =>
  events.reduce((current, event) => applyEvent(current, event, now), answer);

describe('the live answer', () => {
  it('appends deltas in order and completes with the quota', () => {
    const answer = play(startAnswer('Is this a 2-1-2?', true, 0), [
      start,
      delta('A 2-1-2 '),
      delta('triggers.'),
      complete,
    ]);
    expect(answer).toMatchObject({
      text: 'A 2-1-2 triggers.',
      phase: 'complete',
      conversationId: 'c-1',
      messageId: 'm-1',
      quota: QUOTA,
    });
    expect(isOpen(answer)).toBe(false);
  });

  it('is waiting until the first delta, then streaming', () => {
    const waiting = play(startAnswer('q', false, 0), [start]);
    expect(waiting.phase).toBe('waiting');
    expect(play(waiting, [delta('x')]).phase).toBe('streaming');
  });

  it('is thinking while the model reasons, then streaming once it writes', () => {
    const thinking = play(startAnswer('q', true, 0), [start, coachStatus('thinking')]);
    expect(thinking.phase).toBe('thinking');
    expect(isOpen(thinking)).toBe(true);
    expect(play(thinking, [coachStatus('writing')]).phase).toBe('streaming');
  });

  it('is cut short when the answer stopped at its length limit', () => {
    const cut = play(startAnswer('q', false, 0), [start, delta('Half'), streamComplete(QUOTA, 'max_tokens')]);
    expect(cut).toMatchObject({ phase: 'complete', cutShort: true, text: 'Half' });
    expect(play(startAnswer('q', false, 0), [start, delta('All'), complete]).cutShort).toBe(false);
    // The context window reached: truncated too, as the API's docs say to treat it.
    const full = play(startAnswer('q', false, 0), [
      start,
      delta('Half'),
      streamComplete(QUOTA, 'model_context_window_exceeded'),
    ]);
    expect(full).toMatchObject({ phase: 'complete', cutShort: true });
  });

  it('withdraws the partial text of a refused answer, which cannot be retried', () => {
    const refused = play(startAnswer('q', false, 0), [
      start,
      delta('Sure, here'),
      { event: 'stream_error', data: { code: 'refused', message: 'The coach declined.', retryable: false } },
    ]);
    expect(refused).toMatchObject({ phase: 'failed', text: '' });
    expect(canRetry(refused)).toBe(false);
  });

  it('keeps what it showed when stopped, whatever arrives after', () => {
    const stopped = stopAnswer(play(startAnswer('q', false, 0), [start, delta('Partial ')]));
    expect(stopped.phase).toBe('stopped');
    expect(play(stopped, [delta('late text'), complete])).toEqual(stopped);
  });

  it('fails with the wait a retryable error gave, and offers Retry only when retryable', () => {
    const failed = play(
      startAnswer('q', false, 0),
      [
        start,
        {
          event: 'stream_error',
          data: { code: 'upstream_overloaded', message: 'Busy', retryable: true, retryAfterMs: 3_000 },
        },
      ],
      10_000,
    );
    expect(failed).toMatchObject({ phase: 'failed', retryAt: 13_000 });
    expect(canRetry(failed)).toBe(true);
    const final = play(startAnswer('q', false, 0), [
      { event: 'stream_error', data: { code: 'upstream_rejected', message: 'No', retryable: false } },
    ]);
    expect(final.retryAt).toBeNull();
    expect(canRetry(final)).toBe(false);
  });

  it('becomes the question and the delivered answer in the history', () => {
    const at = new Date('2026-01-02T03:04:05Z');
    const answer = play(startAnswer('Is this a 2-1-2?', true, 0), [start, delta('Yes.'), complete]);
    expect(toHistory(answer, at, 'local-1')).toEqual([
      {
        id: 'local-1-question',
        role: 'user',
        content: 'Is this a 2-1-2?',
        images: [{ mediaType: 'image/png', bytes: 0, width: null, height: null }],
        createdAt: at.toISOString(),
      },
      // The answering model (stream_start's) stays with the answer: the local reader's says so in the thread.
      { id: 'm-1', role: 'assistant', content: 'Yes.', images: [], createdAt: at.toISOString(), model: 'claude' },
    ]);
    expect(toHistory(startAnswer('Nothing came back', false, 0), at, 'local-2')).toHaveLength(1);
  });

  it('keeps how it ended in the history, as the server stores it: failed part way, failed before any words, refused', () => {
    const at = new Date('2026-01-02T03:04:05Z');
    const lost = { event: 'stream_error', data: { code: 'upstream_error', message: 'Lost', retryable: true } } as const;
    // Part of the answer arrived: it is kept, marked incomplete (the server's history says 'failed' too).
    const partWay = play(startAnswer('And the 2-2?', false, 0), [start, delta('Entry: 512.40 Stop: 5'), lost]);
    expect(toHistory(partWay, at, 'local-1')).toMatchObject([
      { role: 'user', content: 'And the 2-2?' },
      { role: 'assistant', content: 'Entry: 512.40 Stop: 5', ending: 'failed' },
    ]);
    expect(toHistory(partWay, at, 'local-1')[0]).not.toHaveProperty('ending');
    // Nothing arrived: the question says so.
    const before = play(startAnswer('Overloaded question', false, 0), [start, lost]);
    expect(toHistory(before, at, 'local-2')).toEqual([expect.objectContaining({ role: 'user', ending: 'failed' })]);
    // The model declined: the question is marked refused, as in the server's history, and nothing is "incomplete".
    const refused = play(startAnswer('All in on calls?', false, 0), [
      start,
      delta('Sure'),
      { event: 'stream_error', data: { code: 'refused', message: 'Declined', retryable: false } },
    ]);
    const [question, ...rest] = toHistory(refused, at, 'local-3');
    expect({ question, rest }).toEqual({ question: expect.objectContaining({ refused: true }), rest: [] });
    expect(question).not.toHaveProperty('ending');
  });
});

describe('isContinuation', () => {
  it('is what Continue sends, bare: not the same word with a chart, nor other words', () => {
    expect(isContinuation({ content: 'Continue' })).toBe(true);
    expect(isContinuation({ content: 'Continue', images: [] })).toBe(true);
    expect(isContinuation({ content: 'Continue', images: [{ mediaType: 'image/png' }] })).toBe(false);
    expect(isContinuation({ content: 'Continue the count from bar 5' })).toBe(false);
    expect(isContinuation({ content: 'continue' })).toBe(false);
  });
});
