// The local chart reader in the coaching stream, as a client sees it: chart_analysis before message_start, each
// chart's pixel reading in what the model receives (and the same text again in a follow-up), the reading kept
// for history, huge charts declined with a code while the answer streams, POST /charts/read, and the answer
// without ANTHROPIC_API_KEY (the local reader alone: no tokens, no quota, stored as a turn).
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChart } from '../src/chart-reader/index.js';
import { MAX_CHART_READS } from '../src/routes/charts/index.js';
import { billingPeriodAt } from '../src/services/billing-period.js';
import { chartRead, type ChartRead } from '../src/services/chart-analysis.js';
import { startApiHarness, type ApiHarness } from './support/api-harness.js';
import { startChatHarness, type ChatHarness } from './support/chat-harness.js';
import { postChat, type ReceivedEvent } from './support/coach-client.js';
import { drawnChartPng, TWO_ONE_TWO } from './support/drawn-chart.js';
import { eventually } from './support/eventually.js';
import { withFakeFrameHeader } from './support/jpeg.js';
import { pngOfSize } from './support/png.js';

/** The 2-1-2 chart; what the stream carries is held to what the reader itself reads of it (its accuracy is
 * chart-reader.test.ts's business). */
const chartPng = (scale = 1) => drawnChartPng(TWO_ONE_TWO, scale);

const names = (events: ReceivedEvent[]) => events.map((event) => event.event);
const analysisOf = (events: ReceivedEvent[]) =>
  events.find((event) => event.event === 'chart_analysis')?.data.images as Array<Record<string, unknown>>;

let chart: string;
/** The reader's own reading of the chart, as the stream and the endpoint should carry it. */
let expected: ChartRead;
beforeAll(async () => {
  const png = await chartPng();
  chart = png.toString('base64');
  expected = chartRead(await readChart(png));
  // The tests need a chart the reader reads (not one it skips).
  expect(expected.analysis.skipped).toBeUndefined();
});

describe('with a model', () => {
  let h: ChatHarness;
  beforeAll(async () => {
    // A trader's read waits this long behind their previous one (10 s in production).
    h = await startChatHarness((config) => {
      config.uploadQueueWaitMs = 600;
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('sends chart_analysis before message_start, and each chart’s pixel reading right after it to the model', async () => {
    const { headers } = await h.trader();
    const index = h.fake.requests.length;
    const result = await h.chat(headers, {
      message: 'Is this a 2-1-2?',
      images: [{ mediaType: 'image/png', data: chart, label: 'SPY 60m' }],
    });
    expect(names(result.events).slice(0, 3)).toEqual(['stream_start', 'chart_analysis', 'message_start']);
    expect(result.events.at(-1)?.event).toBe('stream_complete');
    expect(analysisOf(result.events)).toEqual([{ index: 0, ...expected.analysis }]);
    expect(expected.analysis).toMatchObject({ width: 480, height: 240 });

    const sent = h.fake.requests[index]!.body;
    const blocks = sent.messages.at(-1)!.content as unknown as Array<Record<string, unknown>>;
    expect(blocks.map((block) => block.type)).toEqual(['text', 'image', 'text', 'text']);
    expect(blocks[0]!.text).toBe('Chart 1 of 1 — SPY 60m');
    expect(blocks[2]!.text).toBe(`Pixel reading of chart 1 (SPY 60m):\n${expected.text}`);
    expect(expected.text).toContain(`Sequence: ${expected.analysis.sequence}.`);
    expect(blocks[3]!.text).toBe('Is this a 2-1-2?');
    // The methodology (the cached system prompt) tells the model what to do with it.
    expect(JSON.stringify(sent.system)).toContain('Pixel reading');
  });

  it('sizes a JPEG by its real frame, not by a frame header hidden in a comment', async () => {
    const { headers } = await h.trader();
    const jpeg = withFakeFrameHeader(
      await sharp(await chartPng())
        .jpeg({ quality: 90 })
        .toBuffer(),
      16,
      16,
    );
    const result = await h.chat(headers, {
      message: 'Is this a 2-1-2?',
      images: [{ mediaType: 'image/jpeg', data: jpeg.toString('base64') }],
    });
    expect(result.events.at(-1)?.event).toBe('stream_complete');
    const messages = await h.test.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${String(result.events[0]!.data.conversationId)}/messages`,
      headers,
    });
    // 480 x 240, as the reader and the model see it: the quota's estimate counts its tokens, not a 16 x 16's.
    expect(messages.json().items[0].images[0]).toMatchObject({ mediaType: 'image/jpeg', width: 480, height: 240 });
  });

  it('keeps the reading for history, and gives the model the same reading in a follow-up', async () => {
    const { headers } = await h.trader();
    const first = await h.chat(headers, {
      message: 'Is this a 2-1-2?',
      images: [{ mediaType: 'image/png', data: chart, label: 'SPY 60m' }],
    });
    const conversationId = String(first.events[0]!.data.conversationId);
    // History keeps the chart_analysis image without its index.
    expect(analysisOf(first.events)).toEqual([{ index: 0, ...expected.analysis }]);
    const messages = await h.test.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${conversationId}/messages`,
      headers,
    });
    expect(messages.statusCode).toBe(200);
    const question = messages.json().items[0];
    expect(question.images).toEqual([
      {
        mediaType: 'image/png',
        bytes: expect.any(Number),
        width: 480,
        height: 240,
        label: 'SPY 60m',
        analysis: expected.analysis,
      },
    ]);

    const firstBlocks = h.fake.requests.at(-1)!.body.messages.at(-1)!.content as unknown as Array<{ text?: string }>;
    const index = h.fake.requests.length;
    const follow = await h.chat(headers, { message: 'Where is the stop?', conversationId });
    expect(names(follow.events)).not.toContain('chart_analysis');
    const sent = h.fake.requests[index]!.body.messages;
    const earlier = sent[0]!.content as unknown as Array<{ text?: string }>;
    // The chart, then the same pixel reading: the first turn's blocks again (the cached prefix holds).
    expect(earlier.slice(0, 3)).toEqual(firstBlocks.slice(0, 3));
  });

  it('declines a chart over the reader’s pixel limit with image_too_large, and the answer still streams', async () => {
    const { headers } = await h.trader();
    h.fake.script({ chunks: ['Numbered from the image.'] });
    const huge = pngOfSize(8_000, 4_400).toString('base64');
    const result = await h.chat(headers, {
      message: 'What is this bar?',
      images: [{ mediaType: 'image/png', data: huge }],
    });
    expect(names(result.events).slice(0, 3)).toEqual(['stream_start', 'chart_analysis', 'message_start']);
    expect(analysisOf(result.events)).toEqual([
      {
        index: 0,
        width: 8_000,
        height: 4_400,
        candles: [],
        sequence: '',
        combo: null,
        trigger: null,
        skipped: 'image_too_large',
      },
    ]);
    expect(result.text()).toBe('Numbered from the image.');
    expect(result.events.at(-1)?.event).toBe('stream_complete');
  });

  it('reads an 8K screenshot off the event loop within its budget, or says it ran out of time', async () => {
    const { headers } = await h.trader();
    const big = pngOfSize(7_680, 4_320).toString('base64');
    const result = await h.chat(headers, { message: 'And this?', images: [{ mediaType: 'image/png', data: big }] });
    expect(names(result.events).slice(0, 3)).toEqual(['stream_start', 'chart_analysis', 'message_start']);
    // A plain image has no candles; a reader that needed longer than its budget says 'timeout'.
    expect(['no_candles', 'timeout']).toContain(analysisOf(result.events)[0]!.skipped);
    expect(result.events.at(-1)?.event).toBe('stream_complete');
  });

  describe('POST /charts/read', () => {
    it('answers the reading of one chart (index 0), and costs no tokens', async () => {
      const { headers } = await h.trader();
      const before = h.fake.requests.length;
      const response = await h.test.app.inject({
        method: 'POST',
        url: '/api/v1/charts/read',
        headers,
        payload: { image: { mediaType: 'image/png', data: chart, label: 'SPY 60m' } },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ index: 0, ...expected.analysis });
      expect(h.fake.requests.length).toBe(before);
      const usage = await h.test.app.inject({ method: 'GET', url: '/api/v1/usage/current', headers });
      expect(usage.json()).toMatchObject({ requests: 0, quota: { used: 0 } });
    });

    it('refuses what is not an image with the chat’s 400 invalid_request', async () => {
      const { headers } = await h.trader();
      const response = await h.test.app.inject({
        method: 'POST',
        url: '/api/v1/charts/read',
        headers,
        payload: { image: { mediaType: 'image/png', data: Buffer.from('not an image at all').toString('base64') } },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toMatchObject({ code: 'invalid_request', field: 'image' });
    });

    it('one trader’s parallel uploads hold one of the server’s read slots, also past the wait: another trader’s preview is answered', async () => {
      const slow = await h.trader();
      const other = await h.trader();
      const connections = () =>
        new Promise<number>((resolve) => h.test.app.server.getConnections((_, count) => resolve(count)));
      const before = await connections();
      // More uploads than the server has slots, each stalled after its first bytes, as a slow link would.
      const answers: Array<Promise<{ status: number; body: string }>> = [];
      const stalled = Array.from({ length: MAX_CHART_READS + 1 }, () => {
        const request = httpRequest(new URL(`${h.baseUrl}/api/v1/charts/read`), {
          method: 'POST',
          headers: { ...slow.headers, 'content-type': 'application/json', 'content-length': '100000' },
        });
        request.on('error', () => undefined);
        answers.push(
          new Promise((resolve) =>
            request.on('response', (answer) => {
              let body = '';
              answer.setEncoding('utf8');
              answer.on('data', (chunk: string) => (body += chunk));
              answer.on('end', () => resolve({ status: answer.statusCode ?? 0, body }));
            }),
          ),
        );
        request.write('{"image":');
        return request;
      });
      const preview = async () => {
        const response = await h.test.app.inject({
          method: 'POST',
          url: '/api/v1/charts/read',
          headers: other.headers,
          payload: { image: { mediaType: 'image/png', data: chart, label: 'SPY 60m' } },
        });
        expect(response.statusCode).toBe(200);
        expect(response.json()).toEqual({ index: 0, ...expected.analysis });
      };
      try {
        await eventually(
          async () => ((await connections()) >= before + stalled.length ? true : undefined),
          5_000,
          'the stalled uploads connected',
        );
        // Past their sign-in: each has taken whatever it takes before its body is read.
        await new Promise((resolve) => setTimeout(resolve, 300));
        await preview();
        // Past the wait, the uploads queued behind the first stalled one are refused, not let through beside it to
        // take the server's other slots.
        const refused = await Promise.all(answers.slice(1));
        expect(refused.map((answer) => answer.status)).toEqual(Array.from({ length: MAX_CHART_READS }, () => 503));
        expect(JSON.parse(refused[0]!.body)).toMatchObject({
          error: { code: 'busy', message: 'Your previous chart is still being sent. Ask again in 1 s.' },
        });
        await preview();
      } finally {
        for (const request of stalled) request.destroy();
      }
    });

    it('needs a signed-in trader', async () => {
      const response = await h.test.app.inject({
        method: 'POST',
        url: '/api/v1/charts/read',
        payload: { image: { mediaType: 'image/png', data: chart } },
      });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('token_missing');
    });
  });
});

describe('without ANTHROPIC_API_KEY: the local reader answers alone', () => {
  let api: ApiHarness;
  let baseUrl: string;
  beforeAll(async () => {
    api = await startApiHarness();
    await api.test.app.listen({ host: '127.0.0.1', port: 0 });
    baseUrl = `http://127.0.0.1:${(api.test.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await api.close();
  });

  it('streams a Markdown read-out of the chart with zero usage, stores the turn and leaves the quota alone', async () => {
    const trader = await api.trader();
    // A free trader at the end of the month's quota still gets the reader's answer: it costs no tokens.
    const period = billingPeriodAt(trader.user.periodStart, new Date());
    await api.database.db.query('UPDATE users SET quota_period_start = $2, quota_used = 100000 WHERE id = $1', [
      trader.user.id,
      period.start,
    ]);
    const headers = await trader.fresh();
    const result = await postChat(baseUrl, headers, {
      message: 'Is this a 2-1-2?',
      images: [{ mediaType: 'image/png', data: chart, label: 'SPY 60m' }],
    });
    expect(result.status).toBe(200);
    const order = names(result.events);
    expect(order.slice(0, 3)).toEqual(['stream_start', 'chart_analysis', 'message_start']);
    expect(order.slice(3, -1).every((name) => name === 'content_delta')).toBe(true);
    expect(order.at(-1)).toBe('stream_complete');
    expect(result.events[0]!.data.model).toBe('local-chart-reader');
    expect(result.events[2]!.data).toEqual({ model: 'local-chart-reader' });
    expect(analysisOf(result.events)).toEqual([{ index: 0, ...expected.analysis }]);

    const text = result.text();
    expect(text).toContain('### Chart 1 — SPY 60m');
    expect(text).toContain('| bar | number | candle |');
    expect(text).toContain(`**Sequence:** ${expected.analysis.sequence}`);
    expect(text).toContain(expected.analysis.combo ? `**Combo:** ${expected.analysis.combo.name}` : '**Combo:** none');
    expect(text).toContain('**What to check next:**');
    expect(text).toContain('ANTHROPIC_API_KEY');

    expect(result.events.at(-1)!.data).toEqual({
      usage: { inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 },
      costUsd: 0,
      latencyMs: expect.any(Number),
      ttftMs: expect.any(Number),
      stopReason: 'end_turn',
      quota: { limit: 100_000, used: 100_000, remaining: 0, percent: 100 },
    });

    const conversationId = String(result.events[0]!.data.conversationId);
    const messages = await api.test.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${conversationId}/messages`,
      headers,
    });
    expect(messages.json().items).toEqual([
      expect.objectContaining({ role: 'user', content: 'Is this a 2-1-2?' }),
      expect.objectContaining({ id: result.events[0]!.data.messageId, role: 'assistant', content: text }),
    ]);
    const usage = await api.test.app.inject({ method: 'GET', url: '/api/v1/usage/current', headers });
    expect(usage.json()).toMatchObject({ requests: 0, quota: { used: 100_000 }, costUsd: 0 });
    const { rows } = await api.database.db.query('SELECT 1 FROM token_usage WHERE user_id = $1', [trader.user.id]);
    expect(rows).toEqual([]);
  });

  it('without a chart, says the local reader needs one and how to enable the coach', async () => {
    const { headers } = await api.trader();
    const result = await postChat(baseUrl, headers, { message: 'What is a 2-1-2?' });
    expect(names(result.events)).toEqual([
      'stream_start',
      'message_start',
      'content_delta',
      'content_delta',
      'stream_complete',
    ]);
    expect(result.text()).toMatch(/capture one and ask again/);
    expect(result.text()).toContain('ANTHROPIC_API_KEY');
    expect(result.events.at(-1)!.data).toMatchObject({ costUsd: 0, stopReason: 'end_turn', quota: { used: 0 } });
  });

  it('/status says coaching is the local reader only', async () => {
    const response = await api.test.app.inject({ method: 'GET', url: '/api/v1/status' });
    expect(response.json().dependencies.upstream).toMatchObject({
      mode: 'unconfigured',
      ok: false,
      message: expect.stringMatching(/local chart reader only.*ANTHROPIC_API_KEY/),
    });
  });
});

describe('a question sent again after its answer failed', () => {
  let h: ChatHarness;
  beforeAll(async () => {
    h = await startChatHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('is one question in history, its chart read again and its reading kept', async () => {
    const { headers } = await h.trader();
    h.fake.script({ chunks: ['First answer.'] }, { failBeforeStream: { status: 400 } }, { chunks: ['Second.'] });
    const first = await h.chat(headers, { message: 'Question one' });
    const conversationId = String(first.events[0]!.data.conversationId);
    const question = { message: 'Is this a 2-1-2?', conversationId, images: [{ mediaType: 'image/png', data: chart }] };
    const failed = await h.chat(headers, question);
    expect(failed.events.at(-1)?.event).toBe('stream_error');
    const again = await h.chat(headers, question);
    expect(analysisOf(again.events)).toEqual([{ index: 0, ...expected.analysis }]);
    expect(again.text()).toBe('Second.');
    const messages = await h.test.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${conversationId}/messages`,
      headers,
    });
    const items = messages.json().items as Array<{ role: string; content: string; images: unknown[] }>;
    expect(items.map((item) => [item.role, item.content])).toEqual([
      ['user', 'Question one'],
      ['assistant', 'First answer.'],
      ['user', 'Is this a 2-1-2?'],
      ['assistant', 'Second.'],
    ]);
    expect(items[2]!.images).toEqual([expect.objectContaining({ analysis: expected.analysis })]);
  });
});
