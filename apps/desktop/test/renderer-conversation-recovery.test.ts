// What the conversation store leaves behind when a turn does not go through: a Retry after a failure, a
// Regenerate or Edit & resend the server refused before the stream, and a Stop or failure before the server
// named the conversation. Driven by a scripted host (the window.coach contract), as the trader would see it.
import type { CoachEvent } from '@strat-coach/server/contract';
import { beforeEach, describe, expect, it } from 'vitest';
import { useChartStore, type PendingChart } from '../src/renderer/src/state/chart-store';
import { useConversationStore } from '../src/renderer/src/state/conversation-store';
import { contentDelta, streamComplete, streamStart } from './support/coach-events';
import { QUOTA, useScriptedHost, type ScriptedHost } from './support/scripted-host';

const store = () => useConversationStore.getState();
const chart: PendingChart = {
  id: 'chart-spy',
  image: { mediaType: 'image/png', data: 'iVBORw0KGgo=', width: 10, height: 5 },
  label: 'SPY 60m',
  region: null,
};
const chartSent = { mediaType: 'image/png', data: 'iVBORw0KGgo=', label: 'SPY 60m' };
const overloaded: CoachEvent = {
  event: 'stream_error',
  data: { code: 'upstream_overloaded', message: 'Busy', retryable: true },
};
const ask = (question: string): void => {
  store().setDraft(question);
  store().ask();
};
const thread = () => store().history.map((message) => [message.role, message.content]);

const host = useScriptedHost();
let scripted: ScriptedHost;
beforeEach(() => {
  scripted = host();
});

/** "Is the daily green?" answered "Yes." (q-1), then Regenerate: its stream started (q-2), with no word yet. */
function regenerating(): void {
  ask('Is the daily green?');
  scripted.asked[0]!.send(streamStart('c-1', 'a-1', 'q-1'));
  scripted.asked[0]!.send(contentDelta('Yes.'));
  scripted.asked[0]!.send(streamComplete(QUOTA));
  store().regenerate();
  scripted.asked[1]!.send(streamStart('c-1', 'a-2', 'q-2'));
}

describe('Retry', () => {
  it('after a Regenerate that failed before a word, the earlier answer is back, and asking again replaces its question', () => {
    regenerating();
    // The server stored q-2 beside q-1, then the model failed: q-2 leaves, q-1 and its answer stay.
    scripted.asked[1]!.send(overloaded);
    expect(store().live).toMatchObject({ phase: 'complete', text: 'Yes.', questionId: 'q-1' });
    expect(store().notice).toEqual({
      kind: 'error',
      message: 'Busy The earlier answer is kept.',
      code: 'upstream_overloaded',
    });
    store().retry();
    expect(scripted.asked).toHaveLength(2);
    store().regenerate();
    expect(scripted.asked[2]?.request).toEqual({
      message: 'Is the daily green?',
      conversationId: 'c-1',
      replaces: 'q-1',
    });
  });

  it('after a Regenerate stopped before a word, the earlier answer is back', () => {
    regenerating();
    store().stop();
    expect(store().live).toMatchObject({ phase: 'complete', text: 'Yes.', questionId: 'q-1' });
    expect(store().history).toEqual([]);
  });

  it('after an answer cut off mid-stream, replaces its stored question and still shows the question’s chart', () => {
    useChartStore.setState({ charts: [chart] });
    ask('Is this a 2-1-2?');
    scripted.asked[0]!.send(streamStart('c-2', 'a-1', 'q-1'));
    scripted.asked[0]!.send(contentDelta('It is a'));
    scripted.asked[0]!.send(overloaded);
    store().retry();
    expect(scripted.asked[1]?.request).toEqual({
      message: 'Is this a 2-1-2?',
      conversationId: 'c-2',
      images: [chartSent],
      replaces: 'q-1',
    });
    expect(store().history).toEqual([]);
    expect(store().live?.charts).toEqual([
      { mediaType: 'image/png', data: 'iVBORw0KGgo=', width: 10, height: 5, label: 'SPY 60m' },
    ]);
  });
});

describe('a replacement refused before the stream', () => {
  it('a Regenerate keeps the answer on screen, and the question waits in the box to replace it', () => {
    ask('Is the daily green?');
    scripted.asked[0]!.send(streamStart('c-1', 'a-1', 'q-1'));
    scripted.asked[0]!.send(contentDelta('Yes.'));
    scripted.asked[0]!.send(streamComplete(QUOTA));
    store().regenerate();
    scripted.asked[1]!.refuse({ code: 'busy', message: 'The server is busy.', status: 503, retryAfterMs: 1_000 });
    expect(store().live).toMatchObject({ question: 'Is the daily green?', text: 'Yes.', phase: 'complete' });
    expect(store()).toMatchObject({ notice: { kind: 'busy' }, draft: 'Is the daily green?', editing: true });
    store().ask();
    expect(scripted.asked[2]?.request).toEqual({
      message: 'Is the daily green?',
      conversationId: 'c-1',
      replaces: 'q-1',
    });
  });

  it('an Edit & resend keeps the turn it was to replace, its charts go back to the box, and Send replaces it', async () => {
    const at = '2026-01-01T00:00:00.000Z';
    scripted.history.push(
      { id: 'q9', role: 'user', content: 'D?', images: [], createdAt: at },
      { id: 'a9', role: 'assistant', content: 'A 2-1-2.', images: [], createdAt: at },
    );
    await store().openConversation('c-4');
    store().editLast();
    useChartStore.setState({ charts: [chart] });
    ask('D, with the 60m?');
    scripted.asked[0]!.refuse({ code: 'offline', message: 'x', status: null });
    expect(thread()).toEqual([
      ['user', 'D?'],
      ['assistant', 'A 2-1-2.'],
    ]);
    expect(store()).toMatchObject({ live: null, draft: 'D, with the 60m?', editing: true });
    expect(useChartStore.getState()).toMatchObject({ charts: [chart], sent: [] });
    store().ask();
    expect(scripted.asked[1]?.request).toEqual({
      message: 'D, with the 60m?',
      conversationId: 'c-4',
      images: [chartSent],
      replaces: 'q9',
    });
  });
});

describe('before the server named the conversation', () => {
  it('Stop gives the chart back: the next question starts the conversation with it', () => {
    useChartStore.setState({ charts: [chart] });
    ask('Is this a 2-1-2?');
    store().stop();
    expect(useChartStore.getState()).toMatchObject({ charts: [chart], sent: [] });
    ask('And the target?');
    expect(scripted.asked[1]?.request).toEqual({ message: 'And the target?', images: [chartSent] });
  });

  it('a failed answer gives the chart back, and Retry sends it again as the conversation’s', () => {
    useChartStore.setState({ charts: [chart] });
    ask('Is this a 2-1-2?');
    scripted.asked[0]!.send({
      event: 'stream_error',
      data: { code: 'stream_incomplete', message: 'The answer was cut off. Try again.', retryable: true },
    });
    expect(useChartStore.getState()).toMatchObject({ charts: [chart], sent: [] });
    store().retry();
    expect(scripted.asked[1]?.request).toEqual({ message: 'Is this a 2-1-2?', images: [chartSent] });
    expect(useChartStore.getState()).toMatchObject({ charts: [], sent: [chart] });
  });
});
