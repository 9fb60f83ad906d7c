// POST /chat/stream when things go wrong: the trader closes the window, the upstream fails before or
// during the answer or goes silent, a reader is slow, the quota runs out under concurrency. Every
// path stores what was delivered and one usage row, and ends with exactly one final event.
import { once } from 'node:events';
import { connect } from 'node:net';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusResponse } from '../src/contract/health.js';
import { billingPeriodAt } from '../src/services/billing-period.js';
import { estimateTextTokens } from '../src/services/coach-history.js';
import { settleElsewhere, unsettledTurn } from './support/reservations.js';
import { startChatHarness, usageRow, type ChatHarness } from './support/chat-harness.js';
import { openUnreadStream, type ReceivedEvent } from './support/coach-client.js';
import { drawnChartPng, TWO_ONE_TWO } from './support/drawn-chart.js';
import { coachOnRetiredModel, RETIRED_MODEL } from './support/testing.js';
import { eventually } from './support/eventually.js';

let h: ChatHarness;
beforeAll(async () => {
  h = await startChatHarness();
});
afterAll(async () => {
  await h.close();
});

const finals = (events: ReceivedEvent[]) =>
  events.filter((event) => event.event === 'stream_complete' || event.event === 'stream_error');

/**
 * A 200-word answer (900 input tokens) that the trader stops once `enough` of it has arrived: what they saw,
 * and the answer's request id.
 */
async function stopMidAnswer(headers: Record<string, string>, enough: (seen: string) => boolean) {
  const chunks = Array.from({ length: 200 }, (_, i) => `word${i} `);
  h.fake.script({ chunks, chunkDelayMs: 20, usage: { inputTokens: 900 } });
  const controller = new AbortController();
  let requestId = '';
  let seen = '';
  await h.chat(
    headers,
    { message: 'Walk me through this chart' },
    {
      signal: controller.signal,
      onEvent: (event) => {
        if (event.event === 'stream_start') requestId = String(event.data.requestId);
        if (event.event === 'content_delta') seen += String(event.data.text);
        if (enough(seen)) controller.abort();
      },
    },
  );
  return { chunks, seen, requestId };
}

describe('the trader closes the window mid-answer', () => {
  it('aborts the upstream at once, stores the delivered text and bills the call as cancelled', async () => {
    const { headers } = await h.trader();
    const index = h.fake.requests.length;
    const { chunks, seen, requestId } = await stopMidAnswer(headers, (text) => text.split(' ').length > 5);
    // The upstream sees the hang-up within a second.
    await h.fake.waitForDisconnect(index, 1_000);
    expect(h.fake.requests[index]!.outcome).toBe('client_disconnected');

    const row = await eventually(() => usageRow(h, requestId));
    expect(row).toMatchObject({ status: 'cancelled', input_tokens: 900 });
    expect(row.output_tokens).toBeGreaterThan(0);
    const { rows } = await h.database.db.query<{ content: string }>(
      `SELECT content FROM messages WHERE role = 'assistant' AND conversation_id = $1`,
      [row.conversation_id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.content.startsWith(seen)).toBe(true);
    expect(chunks.join('').startsWith(rows[0]!.content)).toBe(true);
  });
});

describe('the trader stops before the model’s first event', () => {
  /** The trader's one usage row, once it is recorded. */
  const onlyUsageRow = async (userId: string) => {
    const { rows } = await h.database.db.query<{ status: string; input_tokens: number; cost_usd: string }>(
      'SELECT status, input_tokens, cost_usd FROM token_usage WHERE user_id = $1',
      [userId],
    );
    return rows[0];
  };

  it('reads the call’s input count before stopping it, and bills that as a stopped answer', async () => {
    const { user, headers } = await h.trader();
    const index = h.fake.requests.length;
    // The model takes 300 ms to begin (its message_start carries the input count).
    h.fake.script({ headersDelayMs: 300, chunks: ['Never ', 'seen.'], chunkDelayMs: 500, usage: { inputTokens: 900 } });
    const controller = new AbortController();
    const asked = h.chat(headers, { message: 'Stop at once' }, { signal: controller.signal });
    await h.fake.waitForRequest(index);
    controller.abort();
    expect((await asked).text()).toBe('');
    await h.fake.waitForDisconnect(index, 2_000);
    expect({ outcome: h.fake.requests[index]!.outcome, chunks: h.fake.requests[index]!.chunksSent }).toEqual({
      outcome: 'client_disconnected',
      chunks: 0,
    });
    const row = await eventually(() => onlyUsageRow(user.id));
    expect(row).toMatchObject({ status: 'cancelled', input_tokens: 900 });
    expect(Number(row.cost_usd)).toBeGreaterThan(0);
  });

  it('asks the model no more once the trader has gone: an overloaded first attempt is not retried for nobody', async () => {
    const { user, headers } = await h.trader();
    const index = h.fake.requests.length;
    // The SDK retries a 529 after the API's retry-after-ms; the retry would be answered (by the fake's default),
    // and billed.
    h.fake.script({ headersDelayMs: 200, failBeforeStream: { status: 529, retryAfterMs: 400 } });
    const controller = new AbortController();
    const asked = h.chat(headers, { message: 'Stop while the model is busy' }, { signal: controller.signal });
    await h.fake.waitForRequest(index);
    // Stopped while the first attempt is in flight: its answer is waited for (it may carry a count), not a retry.
    controller.abort();
    expect((await asked).text()).toBe('');
    const row = await eventually(() => onlyUsageRow(user.id));
    expect(row).toMatchObject({ status: 'cancelled', input_tokens: 0 });
    expect(Number(row.cost_usd)).toBe(0);
    // Past the retry's moment: the model was asked once.
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(h.fake.requests.length).toBe(index + 1);
    expect(h.fake.requests[index]!.status).toBe(529);
  });

  it('a Stop while the SDK waits out an overloaded attempt’s backoff ends the call then, not after the backoff', async () => {
    // The model's silence is not cut short here (60 s in production; this file's server cuts it at 1.5 s).
    const patient = await startChatHarness((config) => {
      config.anthropic.idleTimeoutMs = 15_000;
    });
    try {
      const { user, headers } = await patient.trader();
      // The API says to retry in 4 s; the trader stops once the first attempt has been refused.
      const backoffMs = 4_000;
      patient.fake.script({ failBeforeStream: { status: 529, retryAfterMs: backoffMs } });
      const controller = new AbortController();
      const asked = patient.chat(headers, { message: 'Stop while the coach waits' }, { signal: controller.signal });
      await eventually(() => patient.fake.requests[0]?.status === 529 || undefined);
      controller.abort();
      expect((await asked).text()).toBe('');
      const { rows } = await eventually(async () => {
        const found = await patient.database.db.query<{ status: string; input_tokens: number; latency_ms: number }>(
          'SELECT status, input_tokens, latency_ms FROM token_usage WHERE user_id = $1',
          [user.id],
        );
        return found.rows.length > 0 ? found : undefined;
      });
      // Recorded as a stopped answer that cost nothing, before the retry's moment: it waited the backoff out before,
      // holding the stream (or a shutdown) that long. The answer's latency is its whole life on the server.
      expect(rows).toEqual([{ status: 'cancelled', input_tokens: 0, latency_ms: expect.any(Number) }]);
      expect(rows[0]!.latency_ms).toBeLessThan(backoffMs);
      expect(patient.fake.requests).toHaveLength(1);
    } finally {
      await patient.close();
    }
  });
});

describe('usage after a Stop', () => {
  it('one read with ?settled= waits for the stopped answer to be recorded, and shows it', async () => {
    const { headers } = await h.trader();
    const { requestId } = await stopMidAnswer(headers, (text) => text.length > 0);
    // At once, as the app does when Stop returns: the server may not even have seen the hang-up yet.
    const response = await h.test.app.inject({
      method: 'GET',
      url: `/api/v1/usage/current?settled=${requestId}`,
      headers,
    });
    expect(response.statusCode).toBe(200);
    const usage = response.json();
    expect(usage.requests).toBe(1);
    expect(usage.tokens.input).toBe(900);
    expect(usage.quota.used).toBeGreaterThan(900);
    expect(await usageRow(h, requestId)).toMatchObject({ status: 'cancelled' });
  });

  it('waits for a turn no longer than its bound, and no longer than the turn takes to settle', async () => {
    const { user } = await h.trader();
    // A turn reserved and not settled (its answer still streaming, or its instance gone: the sweeper's then).
    const reserve = () => unsettledTurn(h.database.db, user.id);
    const forget = (requestId: string) => settleElsewhere(h.database.db, requestId);
    const never = await reserve();
    try {
      const started = performance.now();
      expect(await h.test.app.turns.whenSettled(user.id, never, 400)).toBe(false);
      // At its bound: not before, and not long after (the loose upper bound tells it from a wait with no end).
      expect(performance.now() - started).toBeGreaterThanOrEqual(390);
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      await forget(never);
    }

    const settles = await reserve();
    const started = performance.now();
    const waited = h.test.app.turns.whenSettled(user.id, settles, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Settled elsewhere (another instance, the sweeper): seen at the next look, long before the bound.
    await forget(settles);
    expect(await waited).toBe(true);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('answers at once for a request with nothing to settle, and refuses an id that is no request id', async () => {
    const { headers } = await h.trader();
    const unknown = await h.test.app.inject({
      method: 'GET',
      url: `/api/v1/usage/current?settled=${crypto.randomUUID()}`,
      headers,
    });
    expect(unknown.statusCode).toBe(200);
    expect(unknown.json().requests).toBe(0);
    const bad = await h.test.app.inject({ method: 'GET', url: '/api/v1/usage/current?settled=nope', headers });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_request');
  });
});

describe('upstream failures', () => {
  it('an overloaded error mid-stream ends with stream_error, keeps the partial answer, records the call', async () => {
    const { headers } = await h.trader();
    h.fake.script({
      chunks: ['one ', 'two ', 'three ', 'four '],
      failMidStream: { afterChunks: 2 },
      usage: { inputTokens: 700 },
    });
    const result = await h.chat(headers, { message: 'q' });
    expect(result.text()).toBe('one two ');
    expect(finals(result.events)).toEqual([
      { event: 'stream_error', data: { code: 'upstream_overloaded', message: expect.any(String), retryable: true } },
    ]);
    const row = await usageRow(h, String(result.events[0]!.data.requestId));
    expect(row).toMatchObject({ status: 'error', error_code: 'upstream_overloaded', input_tokens: 700 });
    expect(row!.output_tokens).toBeGreaterThan(0);
  });

  it('a connection lost mid-answer is upstream_error, retryable (not internal), with the partial answer kept and billed', async () => {
    const { headers } = await h.trader();
    h.fake.script({ chunks: ['one ', 'two ', 'three ', 'four '], dropAfterChunks: 2, usage: { inputTokens: 700 } });
    const result = await h.chat(headers, { message: 'q' });
    expect(result.text()).toBe('one two ');
    expect(finals(result.events)).toEqual([
      {
        event: 'stream_error',
        // The coach was reached, and part of the answer is on the trader's screen.
        data: {
          code: 'upstream_error',
          message: 'The connection to the coach was lost part way through the answer. Try again.',
          retryable: true,
        },
      },
    ]);
    expect(h.fake.requests.at(-1)?.outcome).toBe('dropped_mid_stream');
    const row = await usageRow(h, String(result.events[0]!.data.requestId));
    expect(row).toMatchObject({ status: 'error', error_code: 'upstream_error', input_tokens: 700 });
    expect(row!.output_tokens).toBeGreaterThan(0);
  });

  it('529 before the stream: the SDK retries, then stream_error with retryable and the wait', async () => {
    const { headers } = await h.trader();
    const overloaded = { failBeforeStream: { status: 529, retryAfterMs: 20 } };
    h.fake.script(overloaded, overloaded, overloaded);
    const before = h.fake.requests.length;
    const result = await h.chat(headers, { message: 'q' });
    expect(h.fake.requests.length - before).toBe(3);
    expect(finals(result.events)).toEqual([
      {
        event: 'stream_error',
        data: { code: 'upstream_overloaded', message: expect.any(String), retryable: true, retryAfterMs: 20 },
      },
    ]);
    const row = await usageRow(h, String(result.events[0]!.data.requestId));
    expect(row).toMatchObject({
      status: 'error',
      error_code: 'upstream_overloaded',
      input_tokens: 0,
      output_tokens: 0,
    });
  });

  it('a 429 that clears on the SDK’s retry is invisible to the trader', async () => {
    const { headers } = await h.trader();
    h.fake.script({ failBeforeStream: { status: 429, retryAfterMs: 10 } }, { chunks: ['fine'] });
    const result = await h.chat(headers, { message: 'q' });
    expect(result.text()).toBe('fine');
    expect(finals(result.events)[0]!.event).toBe('stream_complete');
  });

  it('a 429 asking for a long wait is not waited out: the trader is told at once, with the wait', async () => {
    const { headers } = await h.trader();
    const index = h.fake.requests.length;
    // As the API says it: in seconds. The SDK would wait 30 s, twice, holding the stream past its idle timer.
    h.fake.script({ failBeforeStream: { status: 429, retryAfter: '30' } }, { chunks: ['never asked'] });
    const result = await h.chat(headers, { message: 'q' });
    expect(finals(result.events)).toEqual([
      {
        event: 'stream_error',
        data: { code: 'upstream_rate_limited', message: expect.any(String), retryable: true, retryAfterMs: 30_000 },
      },
    ]);
    expect(h.fake.requests.length).toBe(index + 1);
    h.fake.reset();
  });

  it('an upstream that goes silent ends with upstream_timeout and is disconnected', async () => {
    const { headers } = await h.trader();
    h.fake.script({ chunks: ['a ', 'b ', 'c '], stallAfterChunks: 1 });
    const index = h.fake.requests.length;
    const result = await h.chat(headers, { message: 'q' });
    expect(result.text()).toBe('a ');
    expect(finals(result.events)).toEqual([
      { event: 'stream_error', data: { code: 'upstream_timeout', message: expect.any(String), retryable: true } },
    ]);
    expect(h.fake.requests[index]!.disconnected).toBe(true);
    // The comment pings kept the connection alive while the upstream was silent.
    expect(result.comments).toContain('ping');
  });

  it('a rejected request (bad key) is not retryable, and /status says the key was refused until a call is answered', async () => {
    const { headers } = await h.trader();
    h.fake.script({ failBeforeStream: { status: 401 } });
    const result = await h.chat(headers, { message: 'q' });
    expect(finals(result.events)[0]!.data).toMatchObject({ code: 'upstream_unconfigured', retryable: false });
    expect(await upstreamStatus()).toMatchObject({
      status: 'degraded',
      upstream: {
        ok: false,
        message: expect.stringMatching(
          /^the API refused ANTHROPIC_API_KEY \(401 authentication_error\): set a valid key \(since \d{4}-.*Z; no call has been answered since\)$/,
        ),
      },
    });
    await answeredAgain(headers);
  });

  it('an account the API cannot bill (402) is upstream_unconfigured, not a question to shorten; /status says so', async () => {
    const { headers } = await h.trader();
    h.fake.script({ failBeforeStream: { status: 402 } });
    const result = await h.chat(headers, { message: 'q' });
    expect(finals(result.events)[0]!.data).toMatchObject({
      code: 'upstream_unconfigured',
      retryable: false,
      message: expect.stringMatching(/its API account needs attention/),
    });
    expect(await upstreamStatus()).toMatchObject({
      status: 'degraded',
      upstream: {
        ok: false,
        message: expect.stringMatching(/^the API refused to bill the account \(402 billing_error\): check its credit/),
      },
    });
    await answeredAgain(headers);
  });

  it('a model the API no longer serves (404) is upstream_unconfigured, not a question to shorten; /status says so', async () => {
    const { headers } = await h.trader();
    h.fake.script({ failBeforeStream: { status: 404 } });
    const result = await h.chat(headers, { message: 'q' });
    expect(finals(result.events)[0]!.data).toMatchObject({
      code: 'upstream_unconfigured',
      retryable: false,
      message: expect.stringMatching(/its model is not available/),
    });
    // Refused again: the first refusal's time stands.
    const first = await upstreamStatus();
    h.fake.script({ failBeforeStream: { status: 404 } });
    await h.chat(headers, { message: 'q' });
    const second = await upstreamStatus();
    expect(second).toEqual(first);
    expect(second).toMatchObject({
      status: 'degraded',
      upstream: {
        ok: false,
        message: expect.stringMatching(
          /^the API does not serve claude-\S+ \(404 not_found_error\): set COACH_MODEL to a model it serves \(since /,
        ),
      },
    });
    await answeredAgain(headers);
  });

  it('a failure that is not about the configuration (a 400 for the request) leaves /status ok', async () => {
    const { headers } = await h.trader();
    h.fake.script({ failBeforeStream: { status: 400 } });
    await h.chat(headers, { message: 'q' });
    expect(await upstreamStatus()).toMatchObject({ status: 'ok', upstream: { ok: true } });
  });
});

/** The status and its upstream, as an operator reads them from /status. */
async function upstreamStatus() {
  const status = (await (await fetch(`${h.baseUrl}/api/v1/status`)).json()) as StatusResponse;
  return { status: status.status, upstream: status.dependencies.upstream };
}

/** A question the API answers: /status shows the upstream ok again. */
async function answeredAgain(headers: Record<string, string>) {
  h.fake.script({ chunks: ['2U.'] });
  expect(finals((await h.chat(headers, { message: 'again' })).events)[0]!.event).toBe('stream_complete');
  expect(await upstreamStatus()).toMatchObject({ status: 'ok', upstream: { ok: true } });
}

describe('a coaching model that retires while the server runs', () => {
  it('is refused with 503 upstream_unconfigured before the model is asked, nothing reserved, logged once', async () => {
    const lines: { level: number; msg: string; model?: string }[] = [];
    const retired = await startChatHarness(
      coachOnRetiredModel,
      {},
      {
        level: 'info',
        stream: { write: (line: string) => void lines.push(JSON.parse(line)) },
      },
    );
    try {
      const { user, headers } = await retired.trader();
      for (const message of ['Is this a 2-1-2 up?', 'And now?']) {
        const result = await retired.chat(headers, { message });
        expect(result.status).toBe(503);
        expect(result.body).toMatchObject({
          error: { code: 'upstream_unconfigured', message: expect.stringMatching(/coaching model has been retired/) },
        });
      }
      expect(retired.fake.requests).toHaveLength(0);
      const stored = await retired.database.db.query<{ messages: number; reservations: number }>(
        `SELECT (SELECT count(*)::int FROM messages) AS messages,
                (SELECT count(*)::int FROM quota_reservations WHERE user_id = $1) AS reservations`,
        [user.id],
      );
      expect(stored.rows[0]).toEqual({ messages: 0, reservations: 0 });
      const told = lines.filter((line) => line.level === 50 && /COACH_MODEL was retired/.test(line.msg));
      expect(told).toHaveLength(1);
      expect(told[0]).toMatchObject({ model: RETIRED_MODEL });
      // The operator sees it on /status too.
      const status = (await (await fetch(`${retired.baseUrl}/api/v1/status`)).json()) as StatusResponse;
      expect(status.status).toBe('degraded');
      expect(status.dependencies.upstream).toMatchObject({
        mode: 'anthropic',
        ok: false,
        model: RETIRED_MODEL,
        message: expect.stringMatching(/was retired on 2026-11-30: every question is refused/),
      });
    } finally {
      await retired.close();
    }
  });
});

describe('a slow reader', () => {
  it('makes the server stop pulling from upstream instead of buffering the answer in memory', async () => {
    const { headers } = await h.trader();
    // Larger than every kernel socket buffer on the way (up to 32 MB each here), so only real
    // backpressure can stop the upstream.
    const chunk = 'x'.repeat(4_000);
    const total = 30_000; // 120 MB of answer
    h.fake.script({
      chunks: Array.from({ length: total }, () => chunk),
      usage: { outputTokens: 30_000_000 },
      unlimited: true,
    });
    const index = h.fake.requests.length;
    // A full collection before each reading: the heap then counts what is held, not the garbage of the bytes that
    // went through (the fake, the server and this client share the process). Without it the reading depended on
    // when V8 last collected: it once counted 174 MB, where the answer held back is a few MB.
    v8.setFlagsFromString('--expose-gc');
    const collect = runInNewContext('gc') as () => void;
    collect();
    const memoryBefore = process.memoryUsage();
    const response = await openUnreadStream(h.baseUrl, headers, { message: 'long answer please' });
    try {
      await h.fake.waitForChunks(index, 10);
      // Wait until the upstream stops making progress: the server holds back, the fake's socket fills.
      let last = -1;
      const stalled = await eventually(async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        const sent = h.fake.requests[index]!.chunksSent;
        const isStalled = sent === last;
        last = sent;
        return isStalled ? sent : undefined;
      }, 20_000);
      expect(stalled).toBeLessThan(total / 2);
      collect();
      const memoryNow = process.memoryUsage();
      const grown = memoryNow.heapUsed + memoryNow.arrayBuffers - memoryBefore.heapUsed - memoryBefore.arrayBuffers;
      expect(grown).toBeLessThan((total * chunk.length) / 4);

      let received = 0;
      response.on('data', (data: Buffer) => (received += data.length));
      const ended = new Promise((resolve) => response.on('end', resolve));
      response.resume();
      await ended;
      expect(received).toBeGreaterThan(total * chunk.length);
      expect(h.fake.requests[index]!.outcome).toBe('completed');
    } finally {
      response.destroy();
    }
  }, 60_000);
});

describe('the monthly quota', () => {
  it('twenty concurrent requests near the free limit never push used above it', async () => {
    const { user, headers } = await h.trader();
    // The second first question reads the coaching prompt from the cache: measured, it is not reserved.
    await h.chat(headers, { message: 'Warm the cache' });
    await h.chat(headers, { message: 'Warm the cache' });
    const period = billingPeriodAt(user.periodStart, new Date());
    await h.database.db.query('UPDATE users SET quota_period_start = $2, quota_used = $3 WHERE id = $1', [
      user.id,
      period.start,
      100_000 - 9_000,
    ]);
    // Every answer uses all the room it was given, with new input at the server's bound for the question (its
    // UTF-8 bytes and framing; the coaching prompt is read from the cache).
    h.fake.setDefault((request) => ({
      chunks: ['ok'],
      usage: {
        inputTokens: estimateTextTokens('quick check') + 24,
        cacheReadInputTokens: 3_000,
        cacheCreationInputTokens: 0,
        outputTokens: request.body.max_tokens,
      },
    }));
    try {
      const results = await Promise.all(Array.from({ length: 20 }, () => h.chat(headers, { message: 'quick check' })));
      const statuses = results.map((result) => result.status);
      expect(statuses.filter((status) => status === 200).length).toBeGreaterThan(0);
      expect(statuses.every((status) => [200, 402, 429].includes(status))).toBe(true);
      // Whether any of the twenty met the quota depends on how the free tier's two stream slots fell (the rest are
      // refused 429 while both are busy); once the answers are in, the room is spent and the next is refused.
      let refused = results.find((result) => result.status === 402);
      for (let attempt = 0; !refused && attempt < 5; attempt += 1) {
        const next = await h.chat(headers, { message: 'quick check' });
        expect([200, 402]).toContain(next.status);
        if (next.status === 402) refused = next;
      }
      expect(refused?.body).toMatchObject({ error: { code: 'quota_exceeded', quota: { limit: 100_000 } } });

      const { rows } = await h.database.db.query<{ quota_used: number; quota_reserved: number }>(
        'SELECT quota_used, quota_reserved FROM users WHERE id = $1',
        [user.id],
      );
      expect(rows[0]!.quota_used).toBeLessThanOrEqual(100_000);
      expect(rows[0]!.quota_used).toBeGreaterThan(100_000 - 9_000);
      expect(rows[0]!.quota_reserved).toBe(0);
    } finally {
      h.fake.setDefault({});
    }
  });

  it('a pro trader past the quota continues, and the overage is recorded', async () => {
    const { user, fresh } = await h.trader();
    await h.test.app.repos.users.setPlan(user.id, { tier: 'pro' });
    const headers = await fresh();
    const period = billingPeriodAt(user.periodStart, new Date());
    await h.database.db.query('UPDATE users SET quota_period_start = $2, quota_used = $3 WHERE id = $1', [
      user.id,
      period.start,
      2_000_000,
    ]);
    h.fake.script({ usage: { inputTokens: 100, outputTokens: 50 } });
    const result = await h.chat(headers, { message: 'q' });
    expect(finals(result.events)[0]!.data.quota).toEqual({
      limit: 2_000_000,
      used: 2_000_150,
      remaining: 0,
      percent: 100,
    });
  });

  it('rolls over lazily: last period’s spending does not block this one', async () => {
    const { user, headers } = await h.trader();
    await h.database.db.query(
      `UPDATE users SET quota_period_start = now() - interval '40 days', quota_used = 100000 WHERE id = $1`,
      [user.id],
    );
    h.fake.script({ usage: { inputTokens: 10, outputTokens: 5 } });
    const result = await h.chat(headers, { message: 'q' });
    expect(result.status).toBe(200);
    expect(finals(result.events)[0]!.data.quota).toMatchObject({ used: 15 });
  });
});

describe('shutting the server down mid-answer', () => {
  it('tells the trader to retry and records the call before the pools close', async () => {
    const own = await startChatHarness();
    try {
      const { headers } = await own.trader();
      own.fake.script({ chunks: Array.from({ length: 100 }, (_, i) => `w${i} `), chunkDelayMs: 30 });
      let requestId = '';
      const answer = own.chat(
        headers,
        { message: 'q' },
        {
          onEvent: (event) => {
            if (event.event === 'stream_start') requestId = String(event.data.requestId);
          },
        },
      );
      await own.fake.waitForChunks(0, 3);
      const closing = own.test.app.close();
      const result = await answer;
      await closing;
      expect(finals(result.events)).toEqual([
        { event: 'stream_error', data: { code: 'unavailable', message: expect.any(String), retryable: true } },
      ]);
      const { rows } = await own.database
        .another()
        .query<{ status: string; error_code: string }>(
          'SELECT status, error_code FROM token_usage WHERE request_id = $1',
          [requestId],
        );
      expect(rows).toEqual([{ status: 'error', error_code: 'unavailable' }]);
    } finally {
      await own.close();
    }
  });

  it('refuses 503 unavailable a question still waiting behind the trader’s previous one, uncounted', async () => {
    const own = await startChatHarness();
    try {
      const { headers } = await own.trader();
      // The first question's model is slow to answer, so the second waits, unread, for it to be sent.
      own.fake.script({ headersDelayMs: 3_000, chunks: ['Late.'] });
      const first = own.chat(headers, { message: 'First' });
      await own.fake.waitForRequest(0);
      const connections = () =>
        new Promise<number>((resolve, reject) =>
          own.test.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
        );
      const before = await connections();
      const second = own.chat(headers, { message: 'Second' });
      // The second question has reached the server (it then waits, unread, for the first to be sent).
      await eventually(async () => ((await connections()) > before ? true : undefined), 5_000, 'the second question');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const closing = own.test.app.close();
      const [one, two] = await Promise.all([first, second]);
      await closing;
      expect(finals(one.events)).toEqual([
        { event: 'stream_error', data: { code: 'unavailable', message: expect.any(String), retryable: true } },
      ]);
      expect({ status: two.status, retryAfter: two.headers.get('retry-after'), body: two.body }).toEqual({
        status: 503,
        retryAfter: '1',
        body: { error: { code: 'unavailable', message: 'The server is restarting. Ask again in a moment.' } },
      });
      // Refused before it was counted: the first question's answer shows the rate limit, the refusal does not.
      expect(one.headers.get('x-ratelimit-remaining')).not.toBeNull();
      expect(two.headers.get('x-ratelimit-remaining')).toBeNull();
      expect(own.fake.requests).toHaveLength(1);
    } finally {
      await own.close();
    }
  });

  it('refuses in the contract’s shape a request that arrives on an open connection once shutdown has begun', async () => {
    const own = await startChatHarness();
    const socket = connect(Number(new URL(own.baseUrl).port), '127.0.0.1');
    try {
      const { headers } = await own.trader();
      own.fake.script({ chunks: Array.from({ length: 100 }, (_, i) => `w${i} `), chunkDelayMs: 30 });
      let received = '';
      socket.setEncoding('utf8').on('data', (text: string) => (received += text));
      const ended = once(socket, 'close');
      // A proxy's kept-alive connection: busy with an answer, so the shutdown does not close it as idle.
      const body = JSON.stringify({ message: 'q' });
      socket.write(
        `POST /api/v1/chat/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${headers.authorization}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      await own.fake.waitForChunks(0, 3);
      const closing = own.test.app.close();
      socket.write('GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      await Promise.all([closing, ended]);
      const second = received.slice(received.lastIndexOf('HTTP/1.1 '));
      const [head = '', json = ''] = second.split('\r\n\r\n');
      expect(received.indexOf('event: stream_error')).toBeLessThan(received.lastIndexOf('HTTP/1.1 '));
      expect(head.split('\r\n')[0]).toBe('HTTP/1.1 503 Service Unavailable');
      expect(head.toLowerCase()).toContain('retry-after: 1');
      expect(head.toLowerCase()).toContain('connection: close');
      // With the headers of any reply: the request's id, and helmet's.
      expect(head.toLowerCase()).toMatch(/\r\nx-request-id: [0-9a-f-]{36}\r\n/);
      expect(head.toLowerCase()).toContain('x-content-type-options: nosniff');
      expect(JSON.parse(json)).toEqual({
        error: { code: 'unavailable', message: 'The server is restarting. Try again in a moment.' },
      });
    } finally {
      socket.destroy();
      await own.close();
    }
  });

  it('tells the trader to retry when it stops a question before the model is asked, and bills nothing', async () => {
    const own = await startChatHarness();
    try {
      const { user, headers } = await own.trader();
      const calls = own.fake.requests.length;
      // The stream opens, then its charts are read (about 25 ms each here) before the model is asked.
      const chart = (await drawnChartPng(TWO_ONE_TWO, 3)).toString('base64');
      const images = Array.from({ length: 4 }, (_, index) => ({
        mediaType: 'image/png',
        data: chart,
        label: `${index}`,
      }));
      let closing: Promise<void> | undefined;
      const result = await own.chat(
        headers,
        { message: 'Is this a 2-1-2?', images },
        {
          onEvent: (event) => {
            if (event.event === 'stream_start') closing = own.test.app.close();
          },
        },
      );
      await closing;
      expect(result.events[0]?.event).toBe('stream_start');
      expect(finals(result.events)).toEqual([
        { event: 'stream_error', data: { code: 'unavailable', message: expect.any(String), retryable: true } },
      ]);
      expect(own.fake.requests.length).toBe(calls);
      const db = own.database.another();
      const usage = await db.query('SELECT 1 FROM token_usage WHERE user_id = $1', [user.id]);
      const held = await db.query<{ quota_reserved: number }>('SELECT quota_reserved FROM users WHERE id = $1', [
        user.id,
      ]);
      expect({ usageRows: usage.rowCount, reserved: held.rows[0]?.quota_reserved }).toEqual({
        usageRows: 0,
        reserved: 0,
      });
    } finally {
      await own.close();
    }
  });
});
