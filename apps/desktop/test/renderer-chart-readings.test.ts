// The local chart reader's readings in the window's state: the preview asks the host's reader when a chart is
// added (and shows nothing when it fails, skips or is missing; asks again, a few times, when the server could not
// read it now); a question's chart_analysis goes to its charts by index and stays with them in the thread; the
// answering model is kept, so an answer of the local reader says so; the "Bar numbers" preference is on by
// default and kept.
import type { ChartAnalysisImage, ChatImage, CoachEvent } from '@strat-coach/server/contract';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { applyEvent, LOCAL_READER_MODEL, startAnswer, toHistory } from '../src/renderer/src/lib/live-answer';
import { useBarNumbersStore } from '../src/renderer/src/state/bar-numbers-store';
import { READ_ATTEMPTS, READ_RETRY_MS, useChartStore } from '../src/renderer/src/state/chart-store';
import { useConversationStore } from '../src/renderer/src/state/conversation-store';
import type { HostResult } from '../src/shared/host-api';
import { contentDelta, streamComplete, streamStart } from './support/coach-events';
import { QUOTA, useScriptedHost, type ScriptedHost } from './support/scripted-host';

const analysis = (index: number, sequence: string): ChartAnalysisImage => ({
  index,
  width: 800,
  height: 400,
  candles: [
    { x: 700, highPx: 100, lowPx: 200, openPx: 120, closePx: 180, type: '2D', confidence: 0.9 },
    { x: 740, highPx: 110, lowPx: 190, openPx: 130, closePx: 170, type: '1', confidence: 0.9 },
  ],
  sequence,
  combo: null,
  trigger: { candle: 1, side: 'both' },
});

const chartAnalysis = (...images: ChartAnalysisImage[]): CoachEvent => ({ event: 'chart_analysis', data: { images } });

const chart = (data: string) => ({ mediaType: 'image/png', data, width: 800, height: 400, label: null });

describe('a question’s chart_analysis', () => {
  it('goes to the question’s charts by index, and stays with them in the history', () => {
    let answer = startAnswer('2-1-2?', true, 0, [chart('a'), chart('b')]);
    answer = applyEvent(answer, streamStart('c-1'), 0);
    answer = applyEvent(answer, chartAnalysis(analysis(1, '2D-1')), 0);
    expect(answer.charts[0]?.analysis).toBeUndefined();
    expect(answer.charts[1]?.analysis?.sequence).toBe('2D-1');
    answer = applyEvent(answer, contentDelta('A 2-1-2 brewing.'), 0);
    answer = applyEvent(answer, streamComplete(QUOTA), 0);
    const [question] = toHistory(answer, new Date(0), 'local-1');
    expect(question?.charts?.[1]?.analysis?.sequence).toBe('2D-1');
    expect(question?.images.map((image) => image.analysis?.sequence ?? null)).toEqual([null, '2D-1']);
  });

  it('keeps which model answered: the local reader’s answer is told apart', () => {
    let answer = startAnswer('2-1-2?', true, 0, [chart('a')]);
    answer = applyEvent(
      answer,
      { ...streamStart('c-1'), data: { ...streamStart('c-1').data, model: LOCAL_READER_MODEL } } as CoachEvent,
      0,
    );
    expect(answer.model).toBe(LOCAL_READER_MODEL);
    answer = applyEvent(answer, { event: 'message_start', data: { model: LOCAL_READER_MODEL } }, 0);
    answer = applyEvent(answer, contentDelta('**Bars:** 2D-1'), 0);
    answer = applyEvent(answer, streamComplete({ ...QUOTA }), 0);
    expect(toHistory(answer, new Date(0), 'local-1')[1]?.model).toBe(LOCAL_READER_MODEL);
  });
});

describe('the preview’s reading', () => {
  const host = useScriptedHost();
  let scripted: ScriptedHost;
  let asked: ChatImage[];
  let answer: (image: ChatImage) => HostResult<ChartAnalysisImage>;
  beforeEach(() => {
    scripted = host();
    asked = [];
    answer = () => ({ ok: true, value: analysis(0, '2D-1') });
    scripted.host.api.readChart = async (image) => {
      asked.push(image);
      return answer(image);
    };
  });
  const captured = (data: string) => ({
    image: { mediaType: 'image/png' as const, data, width: 800, height: 400 },
    region: null,
  });

  it('asks the reader when a chart is added, and keeps its reading with the chart', async () => {
    useChartStore.getState().add(captured('iVBORw0KGgo='));
    expect(asked).toEqual([{ mediaType: 'image/png', data: 'iVBORw0KGgo=' }]);
    await expect.poll(() => useChartStore.getState().charts[0]?.reading?.sequence).toBe('2D-1');
  });

  it('shows no numbers when the reader skips the chart or refuses it', async () => {
    answer = () => ({ ok: true, value: { ...analysis(0, ''), candles: [], skipped: 'no_candles' } });
    useChartStore.getState().add(captured('a'));
    answer = () => ({ ok: false, error: { code: 'payload_too_large', message: 'x', status: 413 } });
    useChartStore.getState().add(captured('b'));
    await expect.poll(() => asked.length).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(useChartStore.getState().charts.map((each) => each.reading)).toEqual([undefined, undefined]);
  });

  describe('when the server cannot read it now', () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(() => {
      vi.useRealTimers();
    });
    const busy = (retryAfterMs?: number): HostResult<ChartAnalysisImage> => ({
      ok: false,
      error: { code: 'busy', message: 'busy', status: 503, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
    });
    const outOfTime = (): HostResult<ChartAnalysisImage> => ({
      ok: true,
      value: { ...analysis(0, ''), candles: [], skipped: 'timeout' },
    });

    it('asks again (busy, then out of time) and shows the numbers it then gets', async () => {
      const answers = [busy(300), outOfTime(), { ok: true as const, value: analysis(0, '2D-1') }];
      answer = () => answers.shift() ?? busy();
      useChartStore.getState().add(captured('a'));
      await vi.advanceTimersByTimeAsync(299);
      // The server's retry-after is kept.
      expect(asked).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(asked).toHaveLength(2);
      // No retry-after with a timed-out reading: the default wait, longer for each attempt.
      await vi.advanceTimersByTimeAsync(2 * READ_RETRY_MS);
      expect(asked).toHaveLength(3);
      expect(useChartStore.getState().charts[0]?.reading?.sequence).toBe('2D-1');
    });

    it(`stops after ${READ_ATTEMPTS} attempts, and for a chart the trader removed`, async () => {
      answer = () => busy(100);
      useChartStore.getState().add(captured('a'));
      await vi.advanceTimersByTimeAsync(10_000);
      expect(asked).toHaveLength(READ_ATTEMPTS);
      expect(useChartStore.getState().charts[0]?.reading).toBeUndefined();

      useChartStore.getState().add(captured('b'));
      expect(asked).toHaveLength(READ_ATTEMPTS + 1);
      const removed = useChartStore.getState().charts.find((each) => each.image.data === 'b');
      useChartStore.getState().remove(removed?.id ?? '');
      await vi.advanceTimersByTimeAsync(10_000);
      expect(asked).toHaveLength(READ_ATTEMPTS + 1);
    });

    it('does not ask again when the chart itself is refused', async () => {
      answer = () => ({ ok: false, error: { code: 'invalid_request', message: 'x', status: 400 } });
      useChartStore.getState().add(captured('a'));
      await vi.advanceTimersByTimeAsync(10_000);
      expect(asked).toHaveLength(1);
    });
  });

  it('a host without the reader (the desktop app for now) leaves the chart without numbers', () => {
    delete scripted.host.api.readChart;
    expect(useChartStore.getState().add(captured('a'))).toBe(true);
    expect(useChartStore.getState().charts[0]?.reading).toBeUndefined();
  });

  it('goes with the question until its chart_analysis replaces it', async () => {
    useChartStore.getState().add(captured('a'));
    await expect.poll(() => useChartStore.getState().charts[0]?.reading?.sequence).toBe('2D-1');
    useConversationStore.getState().setDraft('Is this a 2-1-2?');
    useConversationStore.getState().ask();
    expect(useConversationStore.getState().live?.charts[0]?.analysis?.sequence).toBe('2D-1');
    scripted.asked[0]!.send(streamStart('c-1'));
    scripted.asked[0]!.send(chartAnalysis(analysis(0, '2D-1-2U')));
    expect(useConversationStore.getState().live?.charts[0]?.analysis?.sequence).toBe('2D-1-2U');
  });
});

describe('the bar numbers preference', () => {
  const saved = new Map<string, string>();
  beforeEach(() => {
    saved.clear();
    Object.defineProperty(globalThis, 'localStorage', {
      configurable: true,
      value: {
        getItem: (key: string) => saved.get(key) ?? null,
        setItem: (key: string, value: string) => void saved.set(key, value),
      },
    });
  });
  afterEach(() => {
    Reflect.deleteProperty(globalThis, 'localStorage');
    useBarNumbersStore.getState().reset();
  });

  it('is on by default, switched off and read back off by the next window', () => {
    useBarNumbersStore.getState().load();
    expect(useBarNumbersStore.getState().shown).toBe(true);
    useBarNumbersStore.getState().show(false);
    expect(useBarNumbersStore.getState()).toMatchObject({ shown: false, problem: null });
    useBarNumbersStore.getState().reset();
    useBarNumbersStore.getState().load();
    expect(useBarNumbersStore.getState().shown).toBe(false);
  });

  it('still switches when the window cannot keep it, and says why', () => {
    Object.defineProperty(globalThis, 'localStorage', {
      configurable: true,
      value: {
        getItem: () => null,
        setItem: () => {
          throw new Error('QuotaExceededError');
        },
      },
    });
    useBarNumbersStore.getState().show(false);
    expect(useBarNumbersStore.getState().shown).toBe(false);
    expect(useBarNumbersStore.getState().problem).toMatch(/would not keep/);
  });
});
