// Quota periods across their boundary, through the API: a free trader's is the calendar month (UTC), a paid
// trader's the subscription's current period. No clock is moved: a trader's counter and usage rows are written
// into the period before the boundary, as if they had asked then, and the server's own clock is past it. Real
// PostgreSQL and Redis, the fake Stripe and the fake Anthropic upstream; plus an existing free trader, anchored at
// sign-up before migration 011, migrated.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, MIGRATIONS_DIR } from '../src/db/migrate.js';
import { usageRepository, type NewUsageRecord } from '../src/db/repositories/usage.js';
import { addMonths, billingPeriodAt } from '../src/services/billing-period.js';
import { bearer, buildTestApp } from './support/app.js';
import type { ChatResult } from './support/coach-client.js';
import { startBillingHarness, type BillingHarness } from './support/billing-harness.js';
import { postgresTestDatabase } from './support/database.js';
import { PRICE_PRO } from './support/fake-stripe.js';
import { newCustomerId, stripeEvent, subscription } from './support/stripe-events.js';
import { usageRecord } from './support/usage-records.js';

let h: BillingHarness;
beforeAll(async () => {
  h = await startBillingHarness();
});
afterAll(async () => {
  await h.close();
});

interface UsageView {
  tier: string;
  period: { start: string; end: string };
  tokens: { input: number; output: number };
  quota: { limit: number | null; used: number; remaining: number | null };
  requests: number;
}

const usageOf = async (headers: Record<string, string>): Promise<UsageView> => {
  const response = await h.test.app.inject({ method: 'GET', url: '/api/v1/usage/current', headers });
  expect(response.statusCode).toBe(200);
  return response.json<UsageView>();
};

/** The quota an answer's stream_complete reports (what the trader's counter reached). */
const quotaAfter = (answer: ChatResult): { limit: number; used: number } => {
  const last = answer.events.at(-1);
  expect(last?.event).toBe('stream_complete');
  return (last?.data as { quota: { limit: number; used: number } }).quota;
};

const monthStart = (at: Date, months = 0): Date =>
  new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + months, 1));

const record = (userId: string, at: Date, period: Date, tokens: number): NewUsageRecord =>
  usageRecord(userId, {
    requestId: `req-${at.getTime()}`,
    inputTokens: tokens,
    billingPeriodStart: period,
    createdAt: at,
  });

describe('a free trader’s quota period is the calendar month (UTC)', () => {
  it('refused at the quota within the month; the next month counts from zero and answers again', async () => {
    const trader = await h.trader();
    const now = new Date();
    const thisMonth = monthStart(now);
    const nextMonth = monthStart(now, 1);
    const lastMonth = monthStart(now, -1);
    h.fake.script({ usage: { inputTokens: 120, outputTokens: 30 } });

    // This month at the quota: refused.
    await h.database.db.query('UPDATE users SET quota_period_start = $2, quota_used = 100000 WHERE id = $1', [
      trader.user.id,
      thisMonth,
    ]);
    const refused = await h.chat(trader.headers, { message: 'Is this 2-1-2 live?' });
    expect(refused.status).toBe(402);
    expect(refused.body).toMatchObject({ error: { code: 'quota_exceeded', quota: { used: 100_000 } } });

    // The same spending a calendar month earlier — up to the month's last millisecond — is behind the boundary.
    await usageRepository(h.database.db).insert(
      record(trader.user.id, new Date(thisMonth.getTime() - 1), lastMonth, 40_000),
    );
    await h.database.db.query('UPDATE users SET quota_period_start = $2, quota_used = 100000 WHERE id = $1', [
      trader.user.id,
      lastMonth,
    ]);
    expect(await usageOf(trader.headers)).toMatchObject({
      tier: 'free',
      period: { start: thisMonth.toISOString(), end: nextMonth.toISOString() },
      tokens: { input: 0, output: 0 },
      quota: { limit: 100_000, used: 0, remaining: 100_000 },
      requests: 0,
    });
    const answered = await h.chat(trader.headers, { message: 'Is this 2-1-2 live?' });
    expect(answered.status).toBe(200);
    const { used } = quotaAfter(answered);
    expect(used).toBeGreaterThanOrEqual(150);
    expect(used).toBeLessThan(1_000);
    expect(await usageOf(trader.headers)).toMatchObject({
      period: { start: thisMonth.toISOString() },
      quota: { used },
      requests: 1,
    });
  });
});

describe('a paid trader’s quota period is the subscription’s', () => {
  it('rolls at the period’s end before Stripe’s renewal event; the event then keeps the new count', async () => {
    const trader = await h.trader();
    const customer = newCustomerId();
    // The subscription's period ended about an hour ago; Stripe has not sent the renewal yet.
    const started = addMonths(new Date(Math.floor(Date.now() / 1000 - 3600) * 1000), -1);
    const renewal = addMonths(started, 1);
    const sub = subscription({
      customer,
      price: PRICE_PRO,
      periodStart: started,
      periodEnd: renewal,
      metadata: { strat_coach_subject: trader.user.clerkUserId },
    });
    const created = new Date(Date.now() - 60_000);
    expect((await h.deliver(stripeEvent('customer.subscription.created', sub, created))).statusCode).toBe(200);
    // The old period's spending: past the pro quota, in its rows and its counter.
    await usageRepository(h.database.db).insert(
      record(trader.user.id, new Date(renewal.getTime() - 1000), started, 2_100_000),
    );
    await h.database.db.query('UPDATE users SET quota_period_start = $2, quota_used = 2100000 WHERE id = $1', [
      trader.user.id,
      started,
    ]);

    expect(await usageOf(trader.headers)).toMatchObject({
      tier: 'pro',
      period: { start: renewal.toISOString(), end: addMonths(renewal, 1).toISOString() },
      quota: { limit: 2_000_000, used: 0 },
      requests: 0,
    });
    h.fake.script({ usage: { inputTokens: 200, outputTokens: 50 } });
    const answered = await h.chat(trader.headers, { message: 'Is this 3-1-2 up?' });
    const { used } = quotaAfter(answered);
    expect(used).toBeGreaterThanOrEqual(250);
    expect(used).toBeLessThan(1_000);

    // Stripe's renewal arrives: the period it names is the one already counting, so nothing starts again.
    const renewed = subscription({
      id: sub.id,
      customer,
      price: PRICE_PRO,
      periodStart: renewal,
      periodEnd: addMonths(renewal, 1),
      metadata: { strat_coach_subject: trader.user.clerkUserId },
    });
    expect((await h.deliver(stripeEvent('customer.subscription.updated', renewed))).statusCode).toBe(200);
    expect(await usageOf(trader.headers)).toMatchObject({
      tier: 'pro',
      period: { start: renewal.toISOString() },
      quota: { used },
      requests: 1,
    });
  });
});

describe('a trader back on the free plan within the month', () => {
  it('counts the month’s spending again: an upgrade cancelled the same month gives no second free quota', async () => {
    const trader = await h.trader();
    const customer = newCustomerId();
    const thisMonth = monthStart(new Date());
    // 95,000 of the month's 100,000 spent on the free plan, in the rows and the counter.
    await usageRepository(h.database.db).insert(record(trader.user.id, new Date(), thisMonth, 95_000));
    await h.database.db.query('UPDATE users SET quota_period_start = $2, quota_used = 95000 WHERE id = $1', [
      trader.user.id,
      thisMonth,
    ]);
    const started = new Date(Math.floor(Date.now() / 1000 - 3600) * 1000);
    const sub = subscription({
      customer,
      price: PRICE_PRO,
      periodStart: started,
      periodEnd: addMonths(started, 1),
      metadata: { strat_coach_subject: trader.user.clerkUserId },
    });
    const at = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000);
    expect((await h.deliver(stripeEvent('customer.subscription.created', sub, at(20)))).statusCode).toBe(200);
    expect(await usageOf(trader.headers)).toMatchObject({ tier: 'pro', quota: { used: 0 } });

    // A trial cancelled, a payment failed: the plan ends within the month the free quota was spent.
    const ended = { ...sub, status: 'canceled' as const };
    expect((await h.deliver(stripeEvent('customer.subscription.deleted', ended, at(10)))).statusCode).toBe(200);
    expect(await usageOf(trader.headers)).toMatchObject({
      tier: 'free',
      period: { start: thisMonth.toISOString() },
      quota: { limit: 100_000, used: 95_000, remaining: 5_000 },
    });
  });
});

describe('migration 011', () => {
  it('moves a free trader anchored at sign-up to the calendar month, counting this month’s usage', async () => {
    const database = await postgresTestDatabase({ migrated: false });
    const before = await mkdtemp(join(tmpdir(), 'migrations-010-'));
    try {
      const files = await loadMigrations();
      await cp(MIGRATIONS_DIR, before, {
        recursive: true,
        filter: (source) => !/\/0(1[1-9]|[2-9]\d)_[^/]*\.sql$/.test(source),
      });
      expect((await migrate(database.db, { dir: before })).at(-1)).toBe('010_billing.sql');

      // Signed up on the 20th of last month (at 10:30): the old rule's period ran from the 20th to the 20th.
      const now = new Date();
      const thisMonth = monthStart(now);
      const signUp = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 20, 10, 30));
      const subject = `user_migrated${Date.now()}`;
      const { rows } = await database.db.query<{ id: string }>(
        `INSERT INTO users (clerk_user_id, period_start, quota_period_start, quota_used) VALUES ($1, $2, $2, 7000)
         RETURNING id`,
        [subject, signUp],
      );
      const userId = rows[0]!.id;
      // Last month's last minute and this month's first, both in the old period that straddles the boundary.
      for (const [at, tokens] of [
        [new Date(thisMonth.getTime() - 60_000), 3_000],
        [new Date(thisMonth.getTime() + 60_000), 4_000],
      ] as const) {
        await database.db.query(
          `INSERT INTO token_usage (user_id, request_id, model, input_tokens, status, quota_tokens,
                                    billing_period_start, created_at)
           VALUES ($1, 'req', 'claude-sonnet-5-5', $2, 'ok', $2, $3, $4)`,
          [userId, tokens, signUp, at],
        );
      }

      expect(await migrate(database.db)).toEqual(files.filter((file) => file.version > '010').map((f) => f.name));
      const { issuer } = h;
      const server = await buildTestApp({ database: database.db, env: issuer.env });
      try {
        const headers = bearer(await issuer.sessionToken({ sub: subject, expiresIn: 900 }));
        const response = await server.app.inject({ method: 'GET', url: '/api/v1/usage/current', headers });
        expect(response.json()).toMatchObject({
          tier: 'free',
          period: { start: thisMonth.toISOString(), end: monthStart(now, 1).toISOString() },
          tokens: { input: 4_000 },
          quota: { limit: 100_000, used: 4_000 },
          requests: 1,
        });
        // A free anchor off a month's start is refused by the database.
        await expect(
          database.db.query('UPDATE users SET period_start = $2 WHERE id = $1', [userId, signUp]),
        ).rejects.toThrow(/users_free_period_calendar_month/);
      } finally {
        await server.close();
      }
    } finally {
      await rm(before, { recursive: true, force: true });
      await database.drop();
    }
  });
});

describe('migration 013', () => {
  it('re-anchors a paid trader anchored at a renewal on a short month’s last day; others stay', async () => {
    const database = await postgresTestDatabase({ migrated: false });
    const before = await mkdtemp(join(tmpdir(), 'migrations-012-'));
    try {
      await cp(MIGRATIONS_DIR, before, {
        recursive: true,
        filter: (source) => !/\/0(1[3-9]|[2-9]\d)_[^/]*\.sql$/.test(source),
      });
      expect((await migrate(database.db, { dir: before })).at(-1)).toBe('012_usage_recorded_at.sql');
      const trader = async (tier: string, anchor: string, end: string | null) => {
        const { rows } = await database.db.query<{ id: string }>(
          `INSERT INTO users (clerk_user_id, tier, period_start, quota_period_start, subscription_period_end)
           VALUES ($1, $2, $3, $3, $4) RETURNING id`,
          [`user_m013${Date.now()}${tier}${anchor}`, tier, anchor, end],
        );
        return rows[0]!.id;
      };
      // Subscribed on Jan 31; the Feb 28 renewal became the anchor; Stripe's next renewal is Mar 31.
      const drifted = await trader('pro', '2027-02-28T09:15:00Z', '2027-03-31T09:15:00Z');
      // Subscribed on a 28th: Stripe renews on the 28th too.
      const onThe28th = await trader('enterprise', '2027-02-28T09:15:00Z', '2027-03-28T09:15:00Z');
      const free = await trader('free', '2027-02-01T00:00:00Z', null);

      await migrate(database.db);
      const anchorOf = async (id: string) =>
        (
          await database.db.query<{ a: Date; q: Date }>(
            'SELECT period_start a, quota_period_start q FROM users WHERE id = $1',
            [id],
          )
        ).rows[0]!;
      const moved = await anchorOf(drifted);
      expect(moved.a.toISOString()).toBe('2027-03-31T09:15:00.000Z');
      // The period it gives on Mar 10 is Stripe's (Feb 28 to Mar 31), the one its counter counts.
      expect(billingPeriodAt(moved.a, new Date('2027-03-10T00:00:00Z'))).toEqual({
        start: moved.q,
        end: new Date('2027-03-31T09:15:00Z'),
      });
      expect((await anchorOf(onThe28th)).a.toISOString()).toBe('2027-02-28T09:15:00.000Z');
      expect((await anchorOf(free)).a.toISOString()).toBe('2027-02-01T00:00:00.000Z');
    } finally {
      await rm(before, { recursive: true, force: true });
      await database.drop();
    }
  });
});
