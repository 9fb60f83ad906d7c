// The conversation store against a scripted host (the window.coach contract, driven by the test): what it
// sends, how the answer streams into state, and what Stop, Retry and a refusal leave behind.
import type { MessageItem } from '@strat-coach/server/contract';
import { beforeEach, describe, expect, it } from 'vitest';
import { useChartStore, type PendingChart } from '../src/renderer/src/state/chart-store';
import { useConversationStore } from '../src/renderer/src/state/conversation-store';
import { useUsageStore } from '../src/renderer/src/state/usage-store';
import { contentDelta, streamComplete, streamStart } from './support/coach-events';
import { MESSAGES_PAGE, QUOTA, USAGE, useScriptedHost, type ScriptedHost } from './support/scripted-host';

const start = streamStart;
const delta = contentDelta;
const complete = streamComplete(QUOTA);

const store = () => useConversationStore.getState();
/** A chart in the question box, as capture or paste leaves it. */
const pending = (data: string, label: string | null = null): PendingChart => ({
  id: `chart-${data}`,
  image: { mediaType: 'image/png', data, width: 10, height: 5 },
  label,
  region: null,
});
const ask = (question: string): void => {
  store().setDraft(question);
  store().ask();
};

const host = useScriptedHost();
let scripted: ScriptedHost;
beforeEach(() => {
  scripted = host();
});

describe('the conversation store', () => {
  it('sends the question with the chart, streams the answer in, and moves the meter', async () => {
    useChartStore.setState({ charts: [pending('iVBORw0KGgo=', 'SPY 60m')] });
    ask('  Is this a 2-1-2?  ');
    expect(store().draft).toBe('');
    expect(scripted.asked[0]?.request).toEqual({
      message: 'Is this a 2-1-2?',
      images: [{ mediaType: 'image/png', data: 'iVBORw0KGgo=', label: 'SPY 60m' }],
    });

    const answer = scripted.asked[0]!;
    answer.send(start('c-1'));
    answer.send(delta('A 2-1-2 '));
    expect(store().live).toMatchObject({ phase: 'streaming', text: 'A 2-1-2 ' });
    answer.send(delta('triggers.'));
    answer.send(complete);
    expect(store().live).toMatchObject({ phase: 'complete', text: 'A 2-1-2 triggers.' });
    expect(store().currentId).toBe('c-1');
    expect(useUsageStore.getState().quota).toEqual(QUOTA);
    // The list catches up; the meter does not read the usage itself: the host pushes its one read.
    await expect.poll(() => scripted.conversationCalls()).toBe(1);
    expect(scripted.usageCalls()).toBe(0);
  });

  it('a question sent while a pasted chart is still being prepared waits for it and goes with it', () => {
    useChartStore.setState({ charts: [], busy: true });
    ask('What is this bar?');
    expect(store().draft).toBe('');
    expect(scripted.asked).toHaveLength(0);
    // The encoding ends: the chart is in the box and the question goes out with it.
    useChartStore.setState({ charts: [pending('iVBORw0KGgo=')], busy: false });
    expect(scripted.asked).toHaveLength(1);
    expect(scripted.asked[0]?.request).toEqual({
      message: 'What is this bar?',
      images: [{ mediaType: 'image/png', data: 'iVBORw0KGgo=' }],
    });
  });

  it('the meter takes the usage the host pushes after an answer, until it stops following', () => {
    const stop = useUsageStore.getState().followHost();
    const later = { ...USAGE, quota: { limit: 100_000, used: 99_999, remaining: 1, percent: 100 } };
    scripted.pushUsage(later);
    expect(useUsageStore.getState()).toMatchObject({ usage: later, quota: later.quota });
    stop();
    scripted.pushUsage(USAGE);
    expect(useUsageStore.getState().usage).toBe(later);
  });

  it('a question refused for the quota reads no usage itself (the host pushes it)', async () => {
    ask('One more?');
    scripted.asked[0]!.refuse({ code: 'quota_exceeded', message: 'Quota used up.', status: 402 });
    await Promise.resolve();
    expect(store().notice).toMatchObject({ kind: 'quota_exceeded' });
    expect(scripted.usageCalls()).toBe(0);
  });

  it('continues the conversation with a follow-up, the earlier turn moving into the history', () => {
    ask('First?');
    scripted.asked[0]!.send(start('c-1'));
    scripted.asked[0]!.send(delta('One.'));
    scripted.asked[0]!.send(complete);
    ask('Second?');
    expect(scripted.asked[1]?.request).toEqual({ message: 'Second?', conversationId: 'c-1' });
    expect(store().history.map((message) => [message.role, message.content])).toEqual([
      ['user', 'First?'],
      ['assistant', 'One.'],
    ]);
    expect(store().live).toMatchObject({ question: 'Second?', phase: 'waiting' });
  });

  it('puts a refused question back in the box and holds further questions for the wait', () => {
    ask('Eleventh question');
    scripted.asked[0]!.refuse({
      code: 'rate_limited',
      message: 'Too many requests: the free plan allows 10 a minute. Try again in 30 s.',
      status: 429,
      retryAfterMs: 30_000,
      details: { window: 'minute' },
    });
    expect(store().live).toBeNull();
    expect(store().draft).toBe('Eleventh question');
    expect(store().notice).toMatchObject({ kind: 'rate_limited', window: 'minute' });
    store().ask();
    expect(scripted.asked).toHaveLength(1);
  });

  it('Stop cancels the answer at the host and keeps the partial text', () => {
    ask('Long answer please');
    const answer = scripted.asked[0]!;
    answer.send(start('c-1'));
    answer.send(delta('Half of it'));
    store().stop();
    expect(answer.cancelled).toBe(true);
    answer.send(delta(' and more'));
    expect(store().live).toMatchObject({ phase: 'stopped', text: 'Half of it' });
  });

  it('after Stop, once the stream has ended, the list is read once and the usage not at all', async () => {
    ask('Long answer please');
    scripted.asked[0]!.send(start('c-1'));
    store().stop();
    await expect.poll(() => scripted.conversationCalls()).toBe(1);
    expect(scripted.usageCalls()).toBe(0);
  });

  it('sends a chart once: follow-ups go without it ("same chart") until a new capture replaces it', () => {
    const chart = pending('iVBORw0KGgo=');
    useChartStore.setState({ charts: [chart] });
    ask('The daily?');
    scripted.asked[0]!.send(start('c-1'));
    scripted.asked[0]!.send(complete);
    expect(useChartStore.getState()).toMatchObject({ charts: [], sent: [chart] });
    ask('And the target?');
    expect(scripted.asked[1]?.request).toEqual({ message: 'And the target?', conversationId: 'c-1' });
    scripted.asked[1]!.send(complete);

    const newer = pending('iVBORw0KGgoAAAA=');
    useChartStore.setState({ charts: [newer] });
    ask('Now the 60?');
    expect(scripted.asked[2]?.request.images).toEqual([{ mediaType: 'image/png', data: newer.image.data }]);
    expect(useChartStore.getState().sent).toEqual([newer]);
    store().startNew();
    expect(useChartStore.getState().sent).toEqual([]);
  });

  it('gives the chart back when the question is refused before it reached the server', () => {
    const chart = pending('iVBORw0KGgo=');
    useChartStore.setState({ charts: [chart] });
    ask('Eleventh question');
    scripted.asked[0]!.refuse({ code: 'rate_limited', message: 'Wait.', status: 429, retryAfterMs: 1_000 });
    expect(useChartStore.getState()).toMatchObject({ charts: [chart], sent: [] });
  });

  it('a refused answer gives its charts back: the server leaves them out of the conversation from then on', () => {
    const chart = pending('iVBORw0KGgo=', 'SPY D');
    useChartStore.setState({ charts: [chart] });
    ask('Something off-limits');
    scripted.asked[0]!.send(start('c-3'));
    scripted.asked[0]!.send({
      event: 'stream_error',
      data: { code: 'refused', message: 'Declined.', retryable: false },
    });
    expect(useChartStore.getState()).toMatchObject({ charts: [chart], sent: [] });
  });

  it('an opened conversation shows its charts as the same charts, by label', async () => {
    scripted.history.push(
      {
        id: 'q1',
        role: 'user',
        content: 'D?',
        images: [{ mediaType: 'image/png', bytes: 9, width: 1, height: 1, label: 'ES D' }],
        createdAt: '2026-01-01T00:00:00.000Z',
      },
      { id: 'a1', role: 'assistant', content: 'A 2-1-2.', images: [], createdAt: '2026-01-01T00:00:01.000Z' },
    );
    await store().openConversation('c-5');
    expect(useChartStore.getState().sent).toEqual([{ id: 'history-0', label: 'ES D', image: null, region: null }]);
  });

  it('reopened after the model refused a chart question: follow-ups use the chart before it, as the server does', async () => {
    const chartOf = (label: string) => [{ mediaType: 'image/png', bytes: 9, width: 1, height: 1, label }];
    scripted.history.push(
      { id: 'q1', role: 'user', content: 'D?', images: chartOf('ES D'), createdAt: '2026-01-01T00:00:00.000Z' },
      { id: 'a1', role: 'assistant', content: 'A 2-1-2.', images: [], createdAt: '2026-01-01T00:00:01.000Z' },
      {
        id: 'q2',
        role: 'user',
        content: 'And this?',
        images: chartOf('QQQ 5m'),
        createdAt: '2026-01-01T00:00:02.000Z',
        refused: true,
      },
    );
    await store().openConversation('c-refused');
    expect(useChartStore.getState().sent.map((chart) => chart.label)).toEqual(['ES D']);
  });

  it('opens a long conversation at its newest page and puts earlier pages on top, each once, in order', async () => {
    const message = (n: number): MessageItem => ({
      id: `m${n}`,
      role: n % 2 === 0 ? 'user' : 'assistant',
      content: `message ${n}`,
      images: [],
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    });
    scripted.history.push(...Array.from({ length: MESSAGES_PAGE * 2 + 20 }, (_, n) => message(n)));
    const contents = (from: number, to: number) => scripted.history.slice(from, to).map((item) => item.content);

    await store().openConversation('c-long');
    expect(store().history.map((item) => item.content)).toEqual(contents(70, 120));
    expect(store().earlierCursor).not.toBeNull();

    await store().loadEarlier();
    expect(store().history.map((item) => item.content)).toEqual(contents(20, 120));
    await store().loadEarlier();
    expect(store().history.map((item) => item.content)).toEqual(contents(0, 120));
    expect(store().earlierCursor).toBeNull();
    await store().loadEarlier();
    expect(scripted.messageCalls.map((call) => call.cursor)).toEqual([undefined, 'm70', 'm20']);

    // A follow-up still lands at the end.
    ask('And now?');
    scripted.asked[0]!.send(start('c-long'));
    scripted.asked[0]!.send(delta('Now this.'));
    scripted.asked[0]!.send(complete);
    ask('Next?');
    expect(
      store()
        .history.slice(-3)
        .map((item) => item.content),
    ).toEqual(['message 119', 'And now?', 'Now this.']);
    expect(store().history).toHaveLength(122);
  });

  it('drops an earlier page that arrives after the trader opened another conversation', async () => {
    scripted.history.push(
      ...Array.from({ length: MESSAGES_PAGE + 1 }, (_, n): MessageItem => ({
        id: `m${n}`,
        role: n % 2 === 0 ? 'user' : 'assistant',
        content: `message ${n}`,
        images: [],
        createdAt: '2026-01-01T00:00:00.000Z',
      })),
    );
    await store().openConversation('c-a');
    const earlier = store().loadEarlier();
    store().startNew();
    await earlier;
    expect(store()).toMatchObject({ currentId: null, history: [], earlierCursor: null });
  });

  it('Continue carries on with a cut-short answer in the same conversation', () => {
    ask('Explain everything');
    scripted.asked[0]!.send(start('c-7'));
    scripted.asked[0]!.send(delta('Point one, point'));
    scripted.asked[0]!.send(streamComplete(QUOTA, 'max_tokens'));
    expect(store().live).toMatchObject({ cutShort: true });
    store().continueAnswer();
    expect(scripted.asked[1]?.request).toEqual({ message: 'Continue', conversationId: 'c-7' });
    expect(store().history.map((message) => message.content)).toEqual(['Explain everything', 'Point one, point']);
  });

  it('Regenerate and Edit & resend name the question they replace, so the server replaces it too', async () => {
    ask('Is the daily green?');
    scripted.asked[0]!.send(start('c-3', 'a-1', 'q-1'));
    scripted.asked[0]!.send(delta('Yes.'));
    scripted.asked[0]!.send(complete);
    store().regenerate();
    expect(scripted.asked[1]?.request).toEqual({
      message: 'Is the daily green?',
      conversationId: 'c-3',
      replaces: 'q-1',
    });
    scripted.asked[1]!.send(start('c-3', 'a-2', 'q-2'));
    scripted.asked[1]!.send(complete);
    store().editLast();
    ask('Is the 60m green?');
    expect(scripted.asked[2]?.request).toEqual({
      message: 'Is the 60m green?',
      conversationId: 'c-3',
      replaces: 'q-2',
    });

    // A reopened conversation: its last question's id is the server's.
    scripted.history.push(
      { id: 'q9', role: 'user', content: 'D?', images: [], createdAt: '2026-01-01T00:00:00.000Z' },
      { id: 'a9', role: 'assistant', content: 'A 2-1-2.', images: [], createdAt: '2026-01-01T00:00:01.000Z' },
    );
    await store().openConversation('c-4');
    store().regenerate();
    expect(scripted.asked[3]?.request).toEqual({ message: 'D?', conversationId: 'c-4', replaces: 'q9' });
  });

  it('Regenerate after the model refused a chart question asks it again with its chart, back from the box', () => {
    const chart = pending('iVBORw0KGgo=', 'SPY 60m');
    useChartStore.setState({ charts: [chart] });
    ask('Is this a 2-1-2?');
    scripted.asked[0]!.send(start('c-5', 'a-1', 'q-1'));
    scripted.asked[0]!.send({
      event: 'stream_error',
      data: { code: 'refused', message: 'Declined.', retryable: false },
    });
    expect(useChartStore.getState().charts).toEqual([chart]);

    store().regenerate();
    expect(scripted.asked[1]?.request).toEqual({
      message: 'Is this a 2-1-2?',
      conversationId: 'c-5',
      images: [{ mediaType: 'image/png', data: 'iVBORw0KGgo=', label: 'SPY 60m' }],
      replaces: 'q-1',
    });
    expect(useChartStore.getState()).toMatchObject({ charts: [], sent: [chart] });
    expect(store().live?.charts).toMatchObject([{ data: 'iVBORw0KGgo=', label: 'SPY 60m' }]);

    // Answered this time: the chart is the conversation's, and a new one in the box waits for the next question.
    scripted.asked[1]!.send(start('c-5', 'a-2', 'q-2'));
    scripted.asked[1]!.send(complete);
    useChartStore.setState({ charts: [pending('iVBORw0KGgoAAAA=', 'SPY D')] });
    store().regenerate();
    expect(scripted.asked[2]?.request).toEqual({ message: 'Is this a 2-1-2?', conversationId: 'c-5', replaces: 'q-2' });
    expect(useChartStore.getState().charts).toHaveLength(1);
  });

  it('Retry asks the same question again in the same conversation, replacing the failed turn', () => {
    ask('Try me');
    const failed = scripted.asked[0]!;
    failed.send(start('c-9'));
    failed.send({ event: 'stream_error', data: { code: 'upstream_overloaded', message: 'Busy', retryable: true } });
    expect(store().live).toMatchObject({ phase: 'failed' });
    store().retry();
    expect(scripted.asked[1]?.request).toEqual({ message: 'Try me', conversationId: 'c-9' });
    expect(store().history).toEqual([]);
    expect(store().live).toMatchObject({ question: 'Try me', phase: 'waiting' });
  });
});
