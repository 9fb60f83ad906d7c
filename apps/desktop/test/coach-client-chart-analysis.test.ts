// The coach client and the local chart reader: the stream's chart_analysis event reaches the caller in its
// place (after stream_start, before message_start), and POST /charts/read sends the chart as JSON with the
// bearer token and answers the reading. A loopback server stands in for the API.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChartAnalysisImage, CoachEvent } from '@strat-coach/server/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCoachClient } from '../src/shared/coach-client';

const reading: ChartAnalysisImage = {
  index: 0,
  width: 640,
  height: 360,
  candles: [{ x: 600, highPx: 80, lowPx: 140, openPx: 90, closePx: 130, type: '2U', confidence: 0.95 }],
  sequence: '2U',
  combo: null,
  trigger: null,
};

let server: Server;
let baseUrl: string;
const received: Array<{ method: string; url: string; authorization: string | undefined; body: string }> = [];

const bodyOf = async (request: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

beforeAll(async () => {
  server = createServer((request, response) => {
    void bodyOf(request).then((body) => {
      received.push({
        method: request.method ?? '',
        url: request.url ?? '',
        authorization: request.headers.authorization,
        body,
      });
      if (request.url === '/api/v1/charts/read') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(reading));
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const send = (event: string, data: unknown) =>
        response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      send('stream_start', {
        requestId: 'r',
        conversationId: 'c',
        messageId: 'm',
        model: 'local-chart-reader',
        coachingVersion: '1',
      });
      send('chart_analysis', { images: [reading] });
      send('message_start', { model: 'local-chart-reader' });
      send('content_delta', { text: '2U' });
      send('stream_complete', {
        usage: { inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 },
        costUsd: 0,
        latencyMs: 5,
        ttftMs: 1,
        stopReason: 'end_turn',
        quota: { limit: 100_000, used: 0, remaining: 100_000, percent: 0 },
      });
      response.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const client = () => createCoachClient({ baseUrl, accessToken: async () => 'token' });

describe('the local chart reader through the coach client', () => {
  it('delivers chart_analysis between stream_start and message_start', async () => {
    const events: CoachEvent[] = [];
    const outcome = await client().streamChat(
      { message: 'q' },
      { onEvent: (event) => events.push(event), onError: () => undefined },
    );
    expect(outcome).toBe('completed');
    expect(events.map((event) => event.event)).toEqual([
      'stream_start',
      'chart_analysis',
      'message_start',
      'content_delta',
      'stream_complete',
    ]);
    expect(events[1]).toEqual({ event: 'chart_analysis', data: { images: [reading] } });
  });

  it('reads one chart with POST /charts/read', async () => {
    const image = { mediaType: 'image/png' as const, data: 'iVBORw0KGgo=' };
    const result = await client().send<ChartAnalysisImage>('POST', '/charts/read', { image });
    expect(result).toEqual({ ok: true, value: reading });
    expect(received.at(-1)).toEqual({
      method: 'POST',
      url: '/api/v1/charts/read',
      authorization: 'Bearer token',
      body: JSON.stringify({ image }),
    });
  });
});
