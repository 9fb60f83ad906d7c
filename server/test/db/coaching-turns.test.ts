// A coaching turn's storage on both drivers (PostgreSQL and PGlite): the question's charts are kept byte for
// byte and read back by their owner only, the retention sweep deletes old ones, the history index reads
// sizes without text, and a refused question is marked so the model's context leaves it out.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartsRepository } from '../../src/db/repositories/charts.js';
import { coachingTurnsRepository, type StartTurn } from '../../src/db/repositories/coaching-turns.js';
import { conversationsRepository } from '../../src/db/repositories/conversations.js';
import { usageRepository } from '../../src/db/repositories/usage.js';
import { usersRepository } from '../../src/db/repositories/users.js';
import { DRIVERS, type TestDatabase } from '../support/database.js';
import { pngOfSize } from '../support/png.js';

let sequence = 0;
const bytes = pngOfSize(640, 400, { noise: true });

describe.each(DRIVERS)('coaching turns on $driver', ({ open }) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await open();
  });
  afterAll(async () => {
    await test.drop();
  });

  /** A free trader's question with one chart, in a new conversation unless `overrides` say otherwise. */
  const turnOf = (userId: string, overrides: Partial<StartTurn> = {}): StartTurn => ({
    turnId: randomUUID(),
    requestId: `req-${(sequence += 1)}`,
    model: 'claude-sonnet-5-5',
    userId,
    periodStart: new Date('2026-11-01T00:00:00Z'),
    inputTokens: 3_000,
    maxAnswerTokens: 8_192,
    minAnswerTokens: 512,
    limit: 100_000,
    conversationId: null,
    title: 'Charts',
    question: {
      content: 'Number the bars',
      images: [{ mediaType: 'image/png', bytes: bytes.length, width: 640, height: 400, label: 'SPY 60m' }],
      charts: [{ position: 0, mediaType: 'image/png', label: 'SPY 60m', bytes }],
    },
    ...overrides,
  });

  const start = async (overrides: Partial<StartTurn> = {}) => {
    const user = await usersRepository(test.db).findOrCreate(`user_turns_${Date.now()}_${(sequence += 1)}`, null);
    const turn = turnOf(user.id, overrides);
    const started = await coachingTurnsRepository(test.db).start(turn);
    return { user, turnId: turn.turnId, started: started! };
  };

  it('keeps the question’s charts byte for byte, readable by their owner only', async () => {
    const { user, started } = await start();
    const charts = chartsRepository(test.db);
    const questionId = started.questionId!;
    const [stored] = await charts.forMessage(questionId);
    expect(stored).toMatchObject({ position: 0, mediaType: 'image/png', label: 'SPY 60m' });
    expect(stored!.data.equals(bytes)).toBe(true);
    const conversationId = started.conversation.id;
    expect((await charts.findForUser(user.id, conversationId, questionId, 0))?.data.equals(bytes)).toBe(true);
    expect(await charts.findForUser(randomUUID(), conversationId, questionId, 0)).toBeUndefined();
    expect(await charts.findForUser(user.id, randomUUID(), questionId, 0)).toBeUndefined();
  });

  it('sweeps charts past retention and leaves newer ones', async () => {
    const old = await start();
    const recent = await start();
    await test.db.query(`UPDATE message_charts SET created_at = now() - interval '40 days' WHERE message_id = $1`, [
      old.started.questionId,
    ]);
    const charts = chartsRepository(test.db);
    expect(await charts.deleteOlderThan(30)).toBeGreaterThanOrEqual(1);
    expect(await charts.forMessage(old.started.questionId!)).toEqual([]);
    expect(await charts.forMessage(recent.started.questionId!)).toHaveLength(1);
  });

  it('indexes the history by size and marks a refused question', async () => {
    const { user, turnId, started } = await start();
    const turns = coachingTurnsRepository(test.db);
    await turns.finish({
      assistantMessageId: turnId,
      answer: '',
      refusedQuestionId: started.questionId,
      usage: {
        userId: user.id,
        conversationId: started.conversation.id,
        requestId: `req-${sequence}`,
        model: 'claude-sonnet-5-5',
        inputTokens: 10,
        outputTokens: 5,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        costUsd: 0,
        latencyMs: 10,
        ttftMs: null,
        status: 'error',
        errorCode: 'refused',
        billingPeriodStart: new Date('2026-11-01T00:00:00Z'),
      },
    });
    const conversations = conversationsRepository(test.db);
    const index = await conversations.historyIndex(started.conversation.id);
    expect(index).toEqual([
      { id: started.questionId, seq: expect.any(Number), role: 'user', chars: 15, charts: 1, refused: true },
    ]);
    const [message] = await conversations.messagesFrom(started.conversation.id, index[0]!.seq);
    expect(message).toMatchObject({ content: 'Number the bars', refused: true });
  });

  const usageOf = (userId: string, conversationId: string, requestId: string) => ({
    userId,
    conversationId,
    requestId,
    model: 'claude-sonnet-5-5',
    inputTokens: 1_200,
    outputTokens: 300,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0.01,
    latencyMs: 900,
    ttftMs: 200,
    status: 'ok' as const,
    errorCode: null,
    billingPeriodStart: new Date('2026-11-01T00:00:00Z'),
    quotaTokens: 1_500,
  });
  const counters = async (userId: string) =>
    (
      await test.db.query<{ quota_used: number; quota_reserved: number; usage_rows: number; answers: number }>(
        `SELECT quota_used, quota_reserved,
                (SELECT count(*) FROM token_usage WHERE user_id = $1)::int8 AS usage_rows,
                (SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
                  WHERE c.user_id = $1 AND m.role = 'assistant')::int8 AS answers
           FROM users WHERE id = $1`,
        [userId],
      )
    ).rows[0]!;

  it('settles a turn once: a retried or replayed finish changes nothing', async () => {
    const { user, turnId, started } = await start();
    expect((await counters(user.id)).quota_reserved).toBe(started.reservedTokens);
    const turns = coachingTurnsRepository(test.db);
    const turn = {
      assistantMessageId: turnId,
      answer: 'A 2-1-2 up.',
      refusedQuestionId: null,
      usage: usageOf(user.id, started.conversation.id, `req-${sequence}`),
    };
    expect(await turns.finish(turn)).toEqual({ settled: true, quotaUsed: 1_500 });
    expect(await turns.finish(turn)).toEqual({ settled: false, quotaUsed: null });
    expect(await counters(user.id)).toEqual({ quota_used: 1_500, quota_reserved: 0, usage_rows: 1, answers: 1 });
  });

  it('records the usage row it was given, in the reservation’s conversation and period', async () => {
    const { user, turnId, started } = await start();
    const usage = {
      ...usageOf(user.id, started.conversation.id, 'req-recorded'),
      cacheReadTokens: 40,
      cacheWriteTokens: 60,
      costUsd: 0.012345,
      status: 'cancelled' as const,
    };
    await coachingTurnsRepository(test.db).finish({
      assistantMessageId: turnId,
      answer: 'Bar 1',
      refusedQuestionId: null,
      usage,
    });
    const { userId, billingPeriodStart, quotaTokens, ...recorded } = usage;
    expect((await usageRepository(test.db).history(userId, { limit: 10 }))?.items).toEqual([
      { ...recorded, id: expect.any(String), createdAt: expect.any(Date) },
    ]);
    const [totals] = await usageRepository(test.db).periodTotals(userId, billingPeriodStart);
    expect(totals).toMatchObject({ requests: 1, cacheReadTokens: 40, cacheWriteTokens: 60, quotaTokens });
  });

  it('a turn released before the model was called bills nothing and keeps the question', async () => {
    const { user, turnId, started } = await start();
    const finished = await coachingTurnsRepository(test.db).finish({
      assistantMessageId: turnId,
      answer: '',
      refusedQuestionId: null,
      usage: null,
    });
    expect(finished.settled).toBe(true);
    expect(await counters(user.id)).toEqual({ quota_used: 0, quota_reserved: 0, usage_rows: 0, answers: 0 });
    expect(await conversationsRepository(test.db).historyIndex(started.conversation.id)).toHaveLength(1);
  });

  it('stores how an answer ended; a replacement takes the last turn’s place only when its quota is reserved', async () => {
    const { user, turnId, started } = await start();
    const turns = coachingTurnsRepository(test.db);
    const conversations = conversationsRepository(test.db);
    const charts = chartsRepository(test.db);
    const conversationId = started.conversation.id;
    const first = started.questionId!;
    const usage = (requestId: string) => usageOf(user.id, conversationId, requestId);
    await turns.finish({
      assistantMessageId: turnId,
      answer: 'Cut',
      refusedQuestionId: null,
      usage: usage('r1'),
      ending: 'cut_short',
    });
    const page = async () =>
      (await conversations.messagePage(conversationId, { limit: 10 }))!.items.map((message) => ({
        id: message.id,
        content: message.content,
        ending: message.ending,
        charts: message.images.length,
      }));
    const before = await page();
    expect(before).toEqual([
      { id: first, content: 'Number the bars', ending: null, charts: 1 },
      { id: turnId, content: 'Cut', ending: 'cut_short', charts: 0 },
    ]);

    const again = (replaces: string, overrides: Partial<StartTurn> = {}) =>
      turns.start({
        turnId: randomUUID(),
        requestId: `req-again-${(sequence += 1)}`,
        model: 'claude-sonnet-5-5',
        userId: user.id,
        periodStart: new Date('2026-11-01T00:00:00Z'),
        inputTokens: 3_000,
        maxAnswerTokens: 8_192,
        minAnswerTokens: 512,
        limit: 100_000,
        conversationId,
        title: 'unused',
        question: { content: 'Number the bars again', images: [], charts: [] },
        replaces,
        ...overrides,
      });
    // No room: nothing changes, the old turn and its chart included.
    expect(await again(first, { limit: 1 })).toBeUndefined();
    expect(await page()).toEqual(before);
    expect(await charts.forMessage(first)).toHaveLength(1);

    // Reserved: the old turn stays until the new one settles; the new question (sent without charts) lists its chart.
    const replacingTurn = randomUUID();
    const replacing = await again(first, { turnId: replacingTurn });
    const second = replacing!.questionId!;
    expect(await page()).toEqual([
      ...before,
      { id: second, content: 'Number the bars again', ending: null, charts: 1 },
    ]);
    expect(await charts.forMessage(first)).toHaveLength(1);

    // Stopped before a word: the new question leaves, and the old turn and its chart are as they were.
    const stopped = await turns.finish({
      assistantMessageId: replacingTurn,
      answer: '',
      refusedQuestionId: null,
      usage: usage('r-stopped'),
      ending: 'stopped',
      replaced: { questionId: first, by: second },
    });
    expect(stopped.settled).toBe(true);
    expect(await page()).toEqual(before);
    expect(await charts.forMessage(first)).toHaveLength(1);

    // Answered: the old question and its answer go, and the new question has their chart.
    const answeringTurn = randomUUID();
    const answering = (await again(first, { turnId: answeringTurn }))!.questionId!;
    await turns.finish({
      assistantMessageId: answeringTurn,
      answer: 'Counted',
      refusedQuestionId: null,
      usage: usage('r-answered'),
      replaced: { questionId: first, by: answering },
    });
    expect(await page()).toEqual([
      { id: answering, content: 'Number the bars again', ending: null, charts: 1 },
      { id: answeringTurn, content: 'Counted', ending: null, charts: 0 },
    ]);
    expect(await charts.forMessage(first)).toEqual([]);
    expect((await charts.forMessage(answering))[0]!.data.equals(bytes)).toBe(true);

    // Replaced while still answering (from another window): that turn settles (billed) but neither stores its
    // answer nor replaces anything; the turn that replaced it does.
    const pendingTurn = randomUUID();
    const pending = (await again(answering, { turnId: pendingTurn }))!.questionId!;
    const thirdTurn = randomUUID();
    const third = (await again(pending, {
      turnId: thirdTurn,
      question: { content: 'Third', images: [], charts: [] },
    }))!;
    const late = await turns.finish({
      assistantMessageId: pendingTurn,
      answer: 'Late answer',
      refusedQuestionId: null,
      usage: usage('r-late'),
      ending: 'stopped',
      replaced: { questionId: answering, by: pending },
    });
    expect(late.settled).toBe(true);
    const { rows } = await test.db.query<{ conversation_id: string | null }>(
      'SELECT conversation_id FROM token_usage WHERE request_id = $1',
      ['r-late'],
    );
    expect(rows).toEqual([{ conversation_id: null }]);
    await turns.finish({
      assistantMessageId: thirdTurn,
      answer: 'Third answer',
      refusedQuestionId: null,
      usage: usage('r-third'),
      replaced: { questionId: pending, by: third.questionId! },
    });
    expect((await page()).map((message) => message.content)).toEqual([
      'Number the bars again',
      'Counted',
      'Third',
      'Third answer',
    ]);
  });

  it('a question to a conversation deleted meanwhile reserves nothing and stores nothing', async () => {
    const { user, turnId, started } = await start();
    const turns = coachingTurnsRepository(test.db);
    await turns.finish({ assistantMessageId: turnId, answer: 'Up', refusedQuestionId: null, usage: null });
    const before = await usageRepository(test.db).quotaState(user.id, new Date('2026-11-01T00:00:00Z'));
    // Read by the question's request, then deleted from another window before its turn is stored.
    expect(await conversationsRepository(test.db).remove(started.conversation.id, user.id)).toBe(true);

    const followUp = await turns.start(
      turnOf(user.id, {
        conversationId: started.conversation.id,
        question: { content: 'And now?', images: [], charts: [] },
      }),
    );
    expect(followUp).toBeUndefined();
    // The counters are as they were: no tokens held that no reservation row could give back.
    expect(await usageRepository(test.db).quotaState(user.id, new Date('2026-11-01T00:00:00Z'))).toEqual(before);
    const { rows } = await test.db.query('SELECT 1 FROM quota_reservations WHERE user_id = $1', [user.id]);
    expect(rows).toEqual([]);
  });

  it('lists reservations older than a given age, and only those', async () => {
    const old = await start();
    const recent = await start();
    await test.db.query(`UPDATE quota_reservations SET created_at = now() - interval '1 hour' WHERE turn_id = $1`, [
      old.turnId,
    ]);
    const stale = await coachingTurnsRepository(test.db).stale(30 * 60_000, 1_000);
    const ids = stale.map((reservation) => reservation.turnId);
    expect(ids).toContain(old.turnId);
    expect(ids).not.toContain(recent.turnId);
    expect(stale.find((reservation) => reservation.turnId === old.turnId)).toMatchObject({
      userId: old.user.id,
      inputTokens: 3_000,
      tokens: old.started.reservedTokens,
    });
  });
});
