// A turn is never lost, and never billed for what did not happen (issue 11, findings 2 and 6): the database
// link is cut between the stream's end and the statement that records it, then comes back; a turn that could
// not even be kept is settled by the sweeper; a trader who leaves while the turn is prepared pays nothing. A
// paid trader's question goes to the model while the turn is stored: leaving then bills a stopped answer.
import { once } from 'node:events';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateOutputTokens } from '../src/services/coach-history.js';
import { priceLookup } from '../src/config/pricing.js';
import { COUNT_WAIT_MS } from '../src/services/coach-stream.js';
import { sweepReservations } from '../src/services/turn-settlement.js';
import { bearer } from './support/app.js';
import { eventually } from './support/eventually.js';
import { ledgerOf, startProxiedChat, type ProxiedChat } from './support/proxied-chat.js';

describe('recording a turn when the database fails at its end', () => {
  let h: ProxiedChat;
  beforeAll(async () => {
    h = await startProxiedChat();
  });
  afterAll(async () => {
    await h?.close();
  });

  const outboxFiles = async () =>
    (await readdir(join(h.test.config.dataDir, 'outbox')).catch(() => [] as string[])).filter((name) =>
      name.endsWith('.json'),
    );

  it('keeps the turn in the outbox, answers the trader, and records it once the database is back', async () => {
    const { user, headers } = await h.trader();
    // The link goes down after the last chunk has gone out and before the turn is recorded.
    h.fake.script({ chunks: ['A 2-1-2 ', 'up on the 60.'], chunkDelayMs: 150 });
    const result = await h.chat(
      headers,
      { message: 'Is this a 2-1-2?' },
      {
        onEvent: (event) => {
          if (event.event === 'content_delta' && String(event.data.text).includes('60')) h.proxy.setMode('refuse');
        },
      },
    );
    expect(result.events.at(-1)).toMatchObject({ event: 'stream_complete', data: { stopReason: 'end_turn' } });
    expect(result.text()).toBe('A 2-1-2 up on the 60.');
    expect(await outboxFiles()).toHaveLength(1);
    const conversationId = String(result.events[0]!.data.conversationId);
    const before = await ledgerOf(h.database, user.id);
    expect(before).toMatchObject({ reservations: 1, usage_quota: 0 });
    expect(before.quota_reserved).toBeGreaterThan(0);

    h.proxy.setMode('forward');
    expect(await h.test.app.turns.recover()).toEqual({ replayed: 1, swept: 0 });
    expect(await outboxFiles()).toHaveLength(0);
    const after = await ledgerOf(h.database, user.id);
    expect(after).toMatchObject({
      quota_reserved: 0,
      reservations: 0,
      request_ids: [result.headers.get('x-request-id')],
    });
    expect(after.quota_used).toBe(after.usage_quota);
    expect(after.usage_quota).toBeGreaterThan(0);
    const { rows } = await h.database.db.query<{ content: string }>(
      `SELECT content FROM messages WHERE conversation_id = $1 AND role = 'assistant'`,
      [conversationId],
    );
    expect(rows).toEqual([{ content: 'A 2-1-2 up on the 60.' }]);
    // A second replay (another instance, a timer) finds nothing to do and changes nothing.
    expect(await h.test.app.turns.recover()).toEqual({ replayed: 0, swept: 0 });
    expect(await ledgerOf(h.database, user.id)).toEqual(after);
  });

  it('a turn another instance swept while it waited in the outbox is billed what it used once replayed', async () => {
    const { user, headers } = await h.trader();
    h.fake.script({ chunks: ['A 2-1-2 ', 'up on the 60.'], chunkDelayMs: 150 });
    const result = await h.chat(
      headers,
      { message: 'Is this a 2-1-2 too?' },
      {
        onEvent: (event) => {
          if (event.event === 'content_delta' && String(event.data.text).includes('60')) h.proxy.setMode('refuse');
        },
      },
    );
    expect(result.events.at(-1)?.event).toBe('stream_complete');
    expect(await outboxFiles()).toHaveLength(1);
    const held = await ledgerOf(h.database, user.id);

    // This instance's database stays away past the sweeper's threshold; another instance, which reaches it, sweeps.
    await h.database.db.query(
      `UPDATE quota_reservations SET created_at = now() - interval '1 hour' WHERE user_id = $1`,
      [user.id],
    );
    const swept = await sweepReservations({
      db: h.database.db,
      priceFor: priceLookup(h.test.config.anthropic.coach),
      log: h.test.app.log,
      staleAfterMs: 60_000,
    });
    expect(swept).toBe(1);
    expect((await ledgerOf(h.database, user.id)).quota_used).toBe(held.quota_reserved);

    h.proxy.setMode('forward');
    expect((await h.test.app.turns.recover()).replayed).toBe(1);
    const after = await ledgerOf(h.database, user.id);
    // What the answer used, as the stream counted it, not the reservation the sweeper billed.
    const { rows } = await h.database.db.query<{ status: string; error_code: string | null; quota_tokens: number }>(
      'SELECT status, error_code, quota_tokens FROM token_usage WHERE user_id = $1',
      [user.id],
    );
    expect(rows).toEqual([{ status: 'ok', error_code: null, quota_tokens: expect.any(Number) }]);
    expect(rows[0]!.quota_tokens).toBeLessThan(held.quota_reserved);
    expect(after).toMatchObject({ quota_reserved: 0, reservations: 0, quota_used: rows[0]!.quota_tokens });
  });

  it('a stopped answer kept in the outbox is recorded with its ending: history still says it was stopped', async () => {
    const { headers } = await h.trader();
    h.fake.script({ chunks: ['A 3-1-2 needs ', 'the outside bar first, ', 'never sent'], stallAfterChunks: 2 });
    const controller = new AbortController();
    const stopped = await h.chat(
      headers,
      { message: 'Walk me through a 3-1-2.' },
      {
        signal: controller.signal,
        onEvent: (event) => {
          if (event.event === 'content_delta' && String(event.data.text).includes('outside bar')) {
            // The link goes down as the trader presses Stop: the stopped turn cannot be recorded now.
            h.proxy.setMode('refuse');
            controller.abort();
          }
        },
      },
    );
    const conversationId = String(stopped.events[0]!.data.conversationId);
    await eventually(
      async () => ((await outboxFiles()).length === 1 ? true : undefined),
      10_000,
      'the stopped turn in the outbox',
    );
    h.proxy.setMode('forward');
    expect(await h.test.app.turns.recover()).toEqual({ replayed: 1, swept: 0 });
    const messages = await h.test.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${conversationId}/messages`,
      headers,
    });
    expect(
      messages.json().items.map((item: { content: string; ending?: string }) => [item.content, item.ending]),
    ).toEqual([
      ['Walk me through a 3-1-2.', undefined],
      ['A 3-1-2 needs the outside bar first, ', 'stopped'],
    ]);
  });

  it('a turn that could not even be kept is settled by the sweeper, billed its reservation', async () => {
    const { user, headers } = await h.trader();
    const outbox = join(h.test.config.dataDir, 'outbox');
    // The disk refuses too: the outbox is not a folder any more (permissions would not stop root).
    await rename(outbox, `${outbox}.away`);
    await writeFile(outbox, 'not a folder');
    try {
      h.fake.script({ chunks: ['One ', 'two.'], chunkDelayMs: 150 });
      const result = await h.chat(
        headers,
        { message: 'Count them' },
        {
          onEvent: (event) => {
            if (event.event === 'content_delta' && String(event.data.text) === 'two.') h.proxy.setMode('refuse');
          },
        },
      );
      expect(result.events.at(-1)?.event).toBe('stream_complete');
    } finally {
      await rm(outbox);
      await rename(`${outbox}.away`, outbox);
      h.proxy.setMode('forward');
    }
    const held = await ledgerOf(h.database, user.id);
    expect(held.reservations).toBe(1);
    // Not stale yet: the sweeper leaves a reservation that a live stream may still hold.
    expect((await h.test.app.turns.recover()).swept).toBe(0);

    await h.database.db.query(
      `UPDATE quota_reservations SET created_at = now() - interval '1 hour' WHERE user_id = $1`,
      [user.id],
    );
    expect((await h.test.app.turns.recover()).swept).toBe(1);
    const after = await ledgerOf(h.database, user.id);
    expect(after).toMatchObject({ quota_reserved: 0, reservations: 0 });
    expect(after.quota_used).toBe(held.quota_reserved);
    expect(after.usage_quota).toBe(held.quota_reserved);
    const { rows } = await h.database.db.query<{ status: string; error_code: string }>(
      'SELECT status, error_code FROM token_usage WHERE user_id = $1',
      [user.id],
    );
    expect(rows).toEqual([{ status: 'error', error_code: 'unsettled' }]);
  });

  it('a trader who leaves while the turn is prepared is never billed, and the model is never called', async () => {
    const { user, headers } = await h.trader();
    const calls = h.fake.requests.length;
    const leave = new AbortController();
    h.proxy.setMode('stall'); // the question's statement waits on the database
    const pending = h
      .chat(headers, { message: 'Leaving already' }, { signal: leave.signal })
      .catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 300));
    leave.abort();
    await pending;
    await new Promise((resolve) => setTimeout(resolve, 100));
    h.proxy.setMode('forward');

    // The question is stored once the database answers; then the reservation is given back.
    const questions = async () =>
      (
        await h.database.db.query<{ count: number }>(
          `SELECT count(*)::int8 AS count FROM messages m JOIN conversations c ON c.id = m.conversation_id
            WHERE c.user_id = $1`,
          [user.id],
        )
      ).rows[0]!.count;
    const ledger = await eventually(
      async () => {
        const current = await ledgerOf(h.database, user.id);
        return current.quota_reserved === 0 && (await questions()) > 0 ? current : undefined;
      },
      5_000,
      'the outbox settling the turn',
    );
    expect(await questions()).toBe(1);
    expect(ledger).toMatchObject({ quota_used: 0, quota_reserved: 0, reservations: 0, request_ids: [] });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.fake.requests.length).toBe(calls);
  });

  it('a trader who leaves while their sign-in is still being checked keeps every slot for the next questions', async () => {
    const { user } = await h.trader();
    // A token the server has not seen yet: checking it reads the database, which stalls.
    const headers = bearer(await h.issuer.sessionToken({ sub: user.clerkUserId, expiresIn: 900 }));
    const leave = new AbortController();
    h.proxy.setMode('stall');
    const left = h.chat(headers, { message: 'Gone' }, { signal: leave.signal }).catch(() => 'left');
    await new Promise((resolve) => setTimeout(resolve, 300));
    leave.abort();
    expect(await left).toBe('left');
    h.proxy.setMode('forward');
    // Both of a free trader's slots are free again, and its queue place: two questions at once are answered.
    h.fake.script({ chunks: ['One.'], chunkDelayMs: 100 }, { chunks: ['Two.'], chunkDelayMs: 100 });
    const answers = await Promise.all([h.chat(headers, { message: 'One' }), h.chat(headers, { message: 'Two' })]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(answers.map((answer) => answer.text()).sort()).toEqual(['One.', 'Two.']);
  });

  it('an outbox file that cannot be read, or that the database refuses, is set aside; the rest is recorded', async () => {
    const { user, headers } = await h.trader();
    h.fake.script({ chunks: ['Kept ', 'for later.'], chunkDelayMs: 150 });
    await h.chat(
      headers,
      { message: 'Record me later' },
      {
        onEvent: (event) => {
          if (event.event === 'content_delta' && String(event.data.text) === 'for later.') h.proxy.setMode('refuse');
        },
      },
    );
    h.proxy.setMode('forward');
    const outbox = join(h.test.config.dataDir, 'outbox');
    const [waiting] = await outboxFiles();
    // A turn the database will never take (an id that is no uuid, refused as the statement is bound), and a file
    // that is not a turn at all.
    const poisoned = JSON.parse(await readFile(join(outbox, waiting!), 'utf8')) as { assistantMessageId: string };
    const poisonedId = '00000000-0000-4000-8000-000000000001';
    await writeFile(
      join(outbox, `${poisonedId}.json`),
      JSON.stringify({ ...poisoned, assistantMessageId: poisonedId, refusedQuestionId: 'not-a-uuid' }),
    );
    await writeFile(join(outbox, 'torn.json'), '{"assistantMessage');

    expect((await h.test.app.turns.recover()).replayed).toBe(1);
    expect(await outboxFiles()).toEqual([]);
    expect((await readdir(join(outbox, 'failed'))).sort()).toEqual([`${poisonedId}.json`, 'torn.json'].sort());
    expect(await ledgerOf(h.database, user.id)).toMatchObject({ quota_reserved: 0, reservations: 0 });
  });
});

describe('a paid trader’s question reaches the model while its turn is stored', () => {
  let h: ProxiedChat;
  beforeAll(async () => {
    h = await startProxiedChat();
  });
  afterAll(async () => {
    await h?.close();
  });

  /** A pro trader with a token the server has already checked (checking one reads the database). */
  const proTrader = async () => {
    const { user } = await h.trader();
    await h.database.db.query(`UPDATE users SET tier = 'pro' WHERE id = $1`, [user.id]);
    const headers = bearer(
      await h.issuer.sessionToken({ sub: user.clerkUserId, expiresIn: 900, claims: { jti: crypto.randomUUID() } }),
    );
    const me = await h.test.app.inject({ method: 'GET', url: '/api/v1/usage/current', headers });
    expect(JSON.parse(me.body)).toMatchObject({ tier: 'pro' });
    return { user, headers };
  };
  const modelAsked = (calls: number) =>
    eventually(() => h.fake.requests[calls], 5_000, 'the model asked while the database stalls');
  /** The trader's usage rows once there is one: status, counts, and whether a cost was recorded. */
  const stoppedCalls = (userId: string) =>
    eventually(async () => {
      const { rows } = await h.database.db.query<{
        status: string;
        input_tokens: number;
        output_tokens: number;
        cost: boolean;
      }>('SELECT status, input_tokens, output_tokens, cost_usd > 0 AS cost FROM token_usage WHERE user_id = $1', [
        userId,
      ]);
      return rows.length > 0 ? rows : undefined;
    });
  /**
   * A pro trader asks while the database stalls, so the model has the question before its turn is stored, and
   * leaves: the trader, and the model's call.
   */
  const leaveWhileStored = async (script: Parameters<ProxiedChat['fake']['script']>[0]) => {
    const { user, headers } = await proTrader();
    const calls = h.fake.requests.length;
    h.fake.script(script);
    const leave = new AbortController();
    h.proxy.setMode('stall');
    const left = h.chat(headers, { message: 'Leaving' }, { signal: leave.signal }).catch(() => 'left');
    const call = await modelAsked(calls);
    leave.abort();
    expect(await left).toBe('left');
    return { user, call, calls };
  };
  const usageOf = async (userId: string) =>
    (
      await h.database.db.query<{ status: string; request_id: string }>(
        'SELECT status, request_id FROM token_usage WHERE user_id = $1',
        [userId],
      )
    ).rows;

  it('the answer streams whole once the turn is stored, and is recorded once', async () => {
    const { user, headers } = await proTrader();
    const calls = h.fake.requests.length;
    h.fake.script({ chunks: ['Inside bar, ', 'then 2U.'] });
    h.proxy.setMode('stall');
    const answer = h.chat(headers, { message: 'Asked while stored' });
    await modelAsked(calls);
    h.proxy.setMode('forward');
    const result = await answer;
    expect(result.status).toBe(200);
    expect(result.events[0]!.event).toBe('stream_start');
    expect(result.text()).toBe('Inside bar, then 2U.');
    expect(result.events.at(-1)!.event).toBe('stream_complete');
    expect(h.fake.requests.length).toBe(calls + 1);
    const ledger = await eventually(async () => {
      const current = await ledgerOf(h.database, user.id);
      return current.reservations === 0 && current.request_ids.length === 1 ? current : undefined;
    });
    expect(ledger.quota_used).toBe(ledger.usage_quota);
    expect(await usageOf(user.id)).toEqual([{ status: 'ok', request_id: result.events[0]!.data.requestId }]);
  });

  it('a trader who leaves meanwhile has the call stopped once its count is read, billed as a stopped answer', async () => {
    const { user, call, calls } = await leaveWhileStored({
      chunks: ['Never ', 'read.'],
      chunkDelayMs: 2_000,
      usage: { inputTokens: 900 },
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    h.proxy.setMode('forward');
    await eventually(() => (call.disconnected ? true : undefined), 5_000, 'the model call stopped');
    // Stopped after its first event, before a word of the answer.
    expect(call.chunksSent).toBe(0);
    const ledger = await eventually(async () => {
      const current = await ledgerOf(h.database, user.id);
      return current.reservations === 0 && current.request_ids.length === 1 ? current : undefined;
    });
    expect(ledger).toMatchObject({ quota_reserved: 0 });
    expect(await stoppedCalls(user.id)).toEqual([
      { status: 'cancelled', input_tokens: 900, output_tokens: 1, cost: true },
    ]);
    expect(h.fake.requests.length).toBe(calls + 1);
  });

  it('an answer that arrived whole while the turn was stored is billed its final count, none of it stored', async () => {
    const { user, call } = await leaveWhileStored({
      chunks: ['Arrived ', 'unread.'],
      usage: { inputTokens: 900, outputTokens: 40 },
    });
    await eventually(() => (call.outcome === 'completed' ? true : undefined), 5_000, 'the whole answer sent');
    h.proxy.setMode('forward');
    expect(await stoppedCalls(user.id)).toEqual([
      { status: 'cancelled', input_tokens: 900, output_tokens: 40, cost: true },
    ]);
    const { rows } = await h.database.db.query<{ content: string }>(
      `SELECT m.content FROM messages m JOIN conversations c ON c.id = m.conversation_id
        WHERE c.user_id = $1 AND m.role = 'assistant'`,
      [user.id],
    );
    expect(rows.map((row) => row.content)).toEqual([]);
  });

  it('text that arrived unread, with no final count yet, is billed as an estimate of it, none of it stored', async () => {
    const chunks = Array.from({ length: 20 }, (_, i) => `word${i} `);
    // The whole text arrives while the turn is stored, then the model holds its final count back.
    const { user, call } = await leaveWhileStored({
      chunks,
      stallAfterChunks: chunks.length,
      usage: { inputTokens: 900 },
    });
    await eventually(() => (call.chunksSent === chunks.length ? true : undefined), 5_000, 'the text sent');
    h.proxy.setMode('forward');
    expect(await stoppedCalls(user.id)).toEqual([
      { status: 'cancelled', input_tokens: 900, output_tokens: estimateOutputTokens(chunks.join('')), cost: true },
    ]);
    await eventually(() => (call.disconnected ? true : undefined), 5_000, 'the model call stopped');
  });

  it('a turn still being stored 5 s after the trader left has its call stopped unread, billed nothing', async () => {
    const { user, call } = await leaveWhileStored({
      chunks: ['Never ', 'read.'],
      chunkDelayMs: 20_000,
      usage: { inputTokens: 900 },
    });
    // COUNT_WAIT_MS, with the database still stalled: the call is not left to run on.
    await eventually(() => (call.disconnected ? true : undefined), COUNT_WAIT_MS + 2_000, 'the model call stopped');
    h.proxy.setMode('forward');
    expect(await stoppedCalls(user.id)).toEqual([
      { status: 'cancelled', input_tokens: 0, output_tokens: 0, cost: false },
    ]);
    expect(await ledgerOf(h.database, user.id)).toMatchObject({ reservations: 0, quota_reserved: 0 });
  });

  it('a turn the database refuses stops the call and answers 500, with nothing billed', async () => {
    const { user, headers } = await proTrader();
    const calls = h.fake.requests.length;
    h.fake.script({ chunks: ['Never ', 'sent.'], chunkDelayMs: 2_000 });
    h.proxy.setMode('stall');
    const answer = h.chat(headers, { message: 'Refused' });
    const call = await modelAsked(calls);
    h.proxy.setMode('refuse');
    const result = await answer;
    h.proxy.setMode('forward');
    expect(result.status).toBe(500);
    expect(result.body).toMatchObject({ error: { code: 'internal' } });
    await eventually(() => (call.disconnected ? true : undefined), 5_000, 'the model call stopped');
    expect(await usageOf(user.id)).toEqual([]);
  });
});

describe('a shutdown while a paid trader’s turn is stored', () => {
  /** A trader on the pro plan, whose model is asked while the turn is stored, with a token the server knows. */
  const paidTrader = async (h: ProxiedChat) => {
    const { user } = await h.trader();
    await h.database.db.query(`UPDATE users SET tier = 'pro' WHERE id = $1`, [user.id]);
    const headers = bearer(
      await h.issuer.sessionToken({ sub: user.clerkUserId, expiresIn: 900, claims: { jti: crypto.randomUUID() } }),
    );
    await h.test.app.inject({ method: 'GET', url: '/api/v1/usage/current', headers });
    return { user, headers };
  };

  it('stops the call once the turn is stored, tells the trader to retry, and records the stopped call', async () => {
    const h = await startProxiedChat();
    try {
      const { user, headers } = await paidTrader(h);
      const calls = h.fake.requests.length;
      h.fake.script({ chunks: ['Never ', 'read.'], chunkDelayMs: 2_000, usage: { inputTokens: 900 } });
      h.proxy.setMode('stall');
      const answer = h.chat(headers, { message: 'Asked as the server stops' });
      const call = await eventually(() => h.fake.requests[calls], 5_000, 'the model asked while the database stalls');
      // No stream is open yet: the shutdown's first step finds nothing to stop.
      const closing = h.test.app.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
      h.proxy.setMode('forward');
      const result = await answer;
      await closing;
      expect(result.status).toBe(200);
      // Opened once the shutdown had begun: its connection ends with it, not kept for the client's next request.
      expect(result.headers.get('connection')).toBe('close');
      expect(result.events[0]?.event).toBe('stream_start');
      expect(result.events.at(-1)).toEqual({
        event: 'stream_error',
        data: { code: 'unavailable', message: expect.any(String), retryable: true },
      });
      await eventually(() => (call.disconnected ? true : undefined), 5_000, 'the model call stopped');
      const db = h.database.another();
      const { rows } = await db.query<{ status: string; error_code: string; input_tokens: number }>(
        'SELECT status, error_code, input_tokens FROM token_usage WHERE user_id = $1',
        [user.id],
      );
      // The call's count was read before it was stopped.
      expect(rows).toEqual([{ status: 'error', error_code: 'unavailable', input_tokens: 900 }]);
      const held = await db.query('SELECT 1 FROM quota_reservations WHERE user_id = $1', [user.id]);
      expect(held.rowCount).toBe(0);
    } finally {
      await h.close();
    }
  });

  it('does not retry an overloaded call once the shutdown has begun, however long the turn takes to store', async () => {
    const h = await startProxiedChat();
    try {
      const { user, headers } = await paidTrader(h);
      const calls = h.fake.requests.length;
      // The SDK retries a 529 after retry-after-ms: 100 + 300 ms after the call, while the turn is still being
      // stored. The retry would be answered (the fake's default) and billed to a trader told to ask again.
      h.fake.script({ headersDelayMs: 100, failBeforeStream: { status: 529, retryAfterMs: 300 } });
      h.proxy.setMode('stall');
      const answer = h.chat(headers, { message: 'Asked as the server stops' });
      await eventually(() => h.fake.requests[calls], 5_000, 'the model asked while the database stalls');
      const closing = h.test.app.close();
      // Past the retry's moment before the turn is stored and its stream opens.
      await new Promise((resolve) => setTimeout(resolve, 800));
      h.proxy.setMode('forward');
      const result = await answer;
      await closing;
      expect(result.events.at(-1)).toEqual({
        event: 'stream_error',
        data: { code: 'unavailable', message: expect.any(String), retryable: true },
      });
      expect(h.fake.requests.length).toBe(calls + 1);
      expect(h.fake.requests[calls]!.status).toBe(529);
      const { rows } = await h.database
        .another()
        .query<{ status: string; input_tokens: number; cost_usd: string }>(
          'SELECT status, input_tokens, cost_usd FROM token_usage WHERE user_id = $1',
          [user.id],
        );
      expect(rows).toEqual([{ status: 'error', input_tokens: 0, cost_usd: expect.any(String) }]);
      expect(Number(rows[0]!.cost_usd)).toBe(0);
    } finally {
      await h.close();
    }
  });
});

describe('the connections at a shutdown', () => {
  it('closes a kept connection once its reply has gone, rather than wait for its client to let it go', async () => {
    const h = await startProxiedChat();
    const socket = connect(Number(new URL(h.baseUrl).port), '127.0.0.1');
    try {
      const { headers } = await h.trader();
      let received = '';
      socket.setEncoding('utf8').on('data', (text: string) => (received += text));
      const ended = once(socket, 'close');
      // A kept-alive HTTP/1.1 connection, as the app's and a proxy's are: busy with a request, here one whose
      // statement the database holds, when the shutdown begins (Node closes only the connections idle then).
      h.proxy.setMode('stall');
      socket.write(
        `GET /api/v1/usage/current HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${headers.authorization}\r\n\r\n`,
      );
      await eventually(() => (h.proxy.held() > 0 ? true : undefined), 5_000, 'the request held at the database');
      const closing = h.test.app.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
      h.proxy.setMode('forward');
      // Left to its client, the connection would stay open for Fastify's keep-alive timeout, 72 s.
      let bound: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        bound = setTimeout(() => reject(new Error('the connection was still open 5 s into the shutdown')), 5_000);
      });
      await Promise.race([Promise.all([closing, ended]), late]).finally(() => clearTimeout(bound));
      // The reply went out whole, saying the connection would close, before it did.
      const [head = '', body = ''] = received.split('\r\n\r\n');
      expect(head.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
      expect(head.toLowerCase()).toContain('\r\nconnection: close');
      expect(Buffer.byteLength(body)).toBe(Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1]));
      expect(JSON.parse(body)).toMatchObject({ requests: 0 });
    } finally {
      socket.destroy();
      await h.close();
    }
  });
});

describe('a shutdown while the database does not answer', () => {
  it('keeps the stopped turn in the outbox before the server is gone, and tells the trader to retry', async () => {
    const h = await startProxiedChat();
    try {
      const { headers } = await h.trader();
      h.fake.script({ chunks: Array.from({ length: 100 }, (_, i) => `w${i} `), chunkDelayMs: 30 });
      const index = h.fake.requests.length;
      let requestId = '';
      const answer = h.chat(
        headers,
        { message: 'Asked as the database goes away' },
        {
          onEvent: (event) => {
            if (event.event === 'stream_start') requestId = String(event.data.requestId);
          },
        },
      );
      await h.fake.waitForChunks(index, 3);
      // The database stops answering (its statements wait for ever), then the server is told to stop.
      h.proxy.setMode('stall');
      const closing = h.test.app.close();
      const result = await answer;
      expect(result.events.at(-1)).toEqual({
        event: 'stream_error',
        data: { code: 'unavailable', message: expect.any(String), retryable: true },
      });
      // Kept before the answer ended: the process may exit at any moment now.
      const { turns } = await h.test.app.turns.outbox.list();
      expect(turns.map((turn) => ({ requestId: turn.usage?.requestId, status: turn.usage?.status }))).toEqual([
        { requestId, status: 'error' },
      ]);
      h.proxy.setMode('forward');
      await closing;
    } finally {
      await h.close();
    }
  });
});
