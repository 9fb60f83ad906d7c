// Overage past a paid tier's quota, reported to Stripe's meter through the outbox: once, in one event per pass
// however many answers are behind it, retried after failures and across a restart (a new server on the same
// database); a pass re-sums only the traders with new usage, and a periodic full pass all of them. Real
// PostgreSQL, the loopback fake Stripe; what the trader sees is read from /usage/current.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingRepository } from '../src/db/repositories/billing.js';
import { usageRepository } from '../src/db/repositories/usage.js';
import { overageReporter } from '../src/services/billing/overage.js';
import { addMonths } from '../src/services/billing-period.js';
import { bearer, buildTestApp, type TestApp } from './support/app.js';
import { deliverEvent, stripeApi } from './support/billing-harness.js';
import { postgresTestDatabase, type TestDatabase } from './support/database.js';
import { METER_EVENT, PRICE_PRO, startFakeStripe, type FakeStripe } from './support/fake-stripe.js';
import { startTestIssuer, type TestIssuer } from './support/issuer.js';
import { newCustomerId, stripeEvent, subscription } from './support/stripe-events.js';
import { usageRecord } from './support/usage-records.js';

let stripe: FakeStripe;
let database: TestDatabase;
let issuer: TestIssuer;
beforeAll(async () => {
  [stripe, database, issuer] = await Promise.all([startFakeStripe(), postgresTestDatabase(), startTestIssuer()]);
});
afterAll(async () => {
  await database.drop();
  await Promise.all([stripe.close(), issuer.close()]);
});

const PRO_QUOTA = 2_000_000;
const startServer = (): Promise<TestApp> =>
  buildTestApp({ database: database.db, env: { ...issuer.env, ...stripe.env }, tweak: stripeApi(stripe) });

/**
 * A pro trader (through the webhook) whose period started at `anchor` (ten days ago), and a way to record their
 * usage in it (or, `at` and `period`, in another).
 */
/** An overage reporter of its own on the server's Stripe client, as the billing plugin makes one. */
const reporterOf = (server: TestApp, options: { fullPassEvery?: number; batchSize?: number }) =>
  overageReporter({
    billing: billingRepository(database.db),
    stripe: server.app.billing!.stripe,
    meterEventName: METER_EVENT,
    limits: { pro: PRO_QUOTA, enterprise: 10_000_000 },
    log: server.app.log,
    ...options,
  });

async function proTrader(
  server: TestApp,
  sub: string,
  anchor = new Date(Math.floor(Date.now() / 1000 - 10 * 24 * 3600) * 1000),
) {
  const headers = bearer(await issuer.sessionToken({ sub, expiresIn: 900 }));
  expect((await server.app.inject({ method: 'GET', url: '/api/v1/usage/current', headers })).statusCode).toBe(200);
  const customer = newCustomerId();
  const subscribed = subscription({
    customer,
    price: PRICE_PRO,
    periodStart: anchor,
    metadata: { strat_coach_subject: sub },
  });
  const delivered = await deliverEvent(server.app, stripeEvent('customer.subscription.created', subscribed), stripe);
  expect(delivered.statusCode).toBe(200);
  const user = await server.app.repos.users.findByClerkId(sub);
  if (!user) throw new Error('trader not created');
  const use = (quotaTokens: number, at?: { createdAt: Date; period: Date }) =>
    usageRepository(database.db).insert(
      usageRecord(user.id, {
        requestId: 'req',
        inputTokens: quotaTokens,
        quotaTokens,
        billingPeriodStart: at?.period ?? anchor,
        ...(at ? { createdAt: at.createdAt } : {}),
      }),
    );
  return { headers, customer, use };
}

const overageOf = async (server: TestApp, headers: Record<string, string>) => {
  const response = await server.app.inject({ method: 'GET', url: '/api/v1/usage/current', headers });
  return response.json<{ tier: string; overage: { tokens: number; reportedTokens: number } }>().overage;
};

describe('overage reporting', () => {
  it('fails twice, with a restart between, then reports the overage exactly once', async () => {
    let server = await startServer();
    try {
      const trader = await proTrader(server, `user_over${Date.now()}`);
      await trader.use(PRO_QUOTA - 1_000);
      await trader.use(5_000);
      await trader.use(7_345);
      expect(await overageOf(server, trader.headers)).toEqual({ tokens: 11_345, reportedTokens: 0 });

      stripe.failMeterEvents(2);
      expect(await server.app.billing!.reportOverage()).toEqual({ queued: 1, sent: 0, failed: 1 });
      expect(await overageOf(server, trader.headers)).toEqual({ tokens: 11_345, reportedTokens: 0 });

      // A restart: the queued report lives in the database, not in the process.
      await server.close();
      server = await startServer();
      expect(await server.app.billing!.reportOverage()).toEqual({ queued: 0, sent: 0, failed: 1 });
      expect(await server.app.billing!.reportOverage()).toEqual({ queued: 0, sent: 1, failed: 0 });
      expect(await server.app.billing!.reportOverage()).toEqual({ queued: 0, sent: 0, failed: 0 });

      const counted = stripe.meterEvents.filter((event) => event.customer === trader.customer);
      expect(counted).toEqual([
        {
          identifier: expect.any(String),
          eventName: METER_EVENT,
          customer: trader.customer,
          value: 11_345,
          timestamp: expect.any(Number),
        },
      ]);
      expect(await overageOf(server, trader.headers)).toEqual({ tokens: 11_345, reportedTokens: 11_345 });

      // More answers past the quota: only what is new is reported.
      await trader.use(655);
      expect(await server.app.billing!.reportOverage()).toEqual({ queued: 1, sent: 1, failed: 0 });
      expect(stripe.meterEvents.filter((event) => event.customer === trader.customer).map((e) => e.value)).toEqual([
        11_345, 655,
      ]);
      expect(await overageOf(server, trader.headers)).toEqual({ tokens: 12_000, reportedTokens: 12_000 });
    } finally {
      await server.close();
    }
  });

  it('a send repeated after a lost reply is counted once by Stripe (the same idempotency key)', async () => {
    const server = await startServer();
    try {
      const trader = await proTrader(server, `user_lost${Date.now()}`);
      await trader.use(PRO_QUOTA + 500);
      expect(await server.app.billing!.reportOverage()).toEqual({ queued: 1, sent: 1, failed: 0 });
      // As if the reply had been lost: the row is unsent again and the next pass sends it once more.
      await database.db.query(`UPDATE overage_reports SET sent_at = NULL WHERE customer_id = $1`, [trader.customer]);
      expect(await server.app.billing!.reportOverage()).toEqual({ queued: 0, sent: 1, failed: 0 });
      expect(stripe.meterEvents.filter((event) => event.customer === trader.customer).map((e) => e.value)).toEqual([
        500,
      ]);
      const sends = stripe.requests.filter(
        (request) =>
          request.path === '/v1/billing/meter_events' &&
          (request.params.payload as Record<string, string>).stripe_customer_id === trader.customer,
      );
      expect(sends).toHaveLength(2);
      expect(sends[1]?.idempotencyKey).toBe(sends[0]?.idempotencyKey);
    } finally {
      await server.close();
    }
  });

  it('reports the last answers of a period that settle after the next period began, counted in their own', async () => {
    const server = await startServer();
    try {
      // The subscription's period ended a minute ago (its renewal event not here yet): the counter has moved on.
      const previous = addMonths(new Date(Math.floor(Date.now() / 1000 - 60) * 1000), -1);
      const renewal = addMonths(previous, 1);
      const trader = await proTrader(server, `user_tail${Date.now()}`, previous);
      const inPrevious = (secondsBeforeEnd: number) => ({
        createdAt: new Date(renewal.getTime() - secondsBeforeEnd * 1000),
        period: previous,
      });
      await trader.use(PRO_QUOTA + 1_000, inPrevious(120));
      expect(await server.app.billing!.reportOverage()).toEqual({ queued: 1, sent: 1, failed: 0 });

      // This period's first answer, then the previous period's last one, settling late (between two passes).
      await trader.use(10_000, { createdAt: new Date(), period: renewal });
      await trader.use(500, inPrevious(10));
      expect(await overageOf(server, trader.headers)).toEqual({ tokens: 0, reportedTokens: 0 });
      expect(await server.app.billing!.reportOverage()).toEqual({ queued: 1, sent: 1, failed: 0 });
      expect(await server.app.billing!.reportOverage()).toEqual({ queued: 0, sent: 0, failed: 0 });

      const counted = stripe.meterEvents.filter((event) => event.customer === trader.customer);
      expect(counted.map((event) => event.value)).toEqual([1_000, 500]);
      // Each stamped when its usage happened: within the previous period, where Stripe counts it.
      expect(counted.map((event) => event.timestamp)).toEqual([
        inPrevious(120).createdAt.getTime() / 1000,
        inPrevious(10).createdAt.getTime() / 1000,
      ]);
      const { rows } = await database.db.query<{ reported: string }>(
        `SELECT sum(tokens)::text AS reported FROM overage_reports WHERE customer_id = $1 AND period_start = $2`,
        [trader.customer, previous],
      );
      expect(rows[0]?.reported).toBe('1500');
    } finally {
      await server.close();
    }
  });

  it('two passes at once (two instances) queue the same overage once', async () => {
    const [first, second] = await Promise.all([startServer(), startServer()]);
    try {
      const trader = await proTrader(first, `user_twice${Date.now()}`);
      await trader.use(PRO_QUOTA + 2_000);
      const passes = await Promise.all([first.app.billing!.reportOverage(), second.app.billing!.reportOverage()]);
      expect(passes.reduce((queued, pass) => queued + (pass?.queued ?? 0), 0)).toBe(1);
      await first.app.billing!.reportOverage();
      const counted = stripe.meterEvents.filter((event) => event.customer === trader.customer);
      expect(counted.map((event) => event.value)).toEqual([2_000]);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('re-sums only the traders with usage written since the last pass; every full pass sums them all', async () => {
    const server = await startServer();
    try {
      const pass = reporterOf(server, { fullPassEvery: 2 });
      const active = await proTrader(server, `user_active${Date.now()}`);
      const late = await proTrader(server, `user_late${Date.now()}`);
      const reported = (customer: string) =>
        stripe.meterEvents.filter((event) => event.customer === customer).map((event) => event.value);
      await active.use(PRO_QUOTA + 100);
      await pass(); // the first pass: every paid trader
      expect(reported(active.customer)).toEqual([100]);

      // More usage for one trader; the other's rows written as by a statement that committed only after the last
      // pass had read, more than the margin after it began.
      await active.use(50);
      await late.use(PRO_QUOTA + 300);
      await database.db.query(
        `UPDATE token_usage SET recorded_at = now() - interval '10 minutes'
          WHERE user_id = (SELECT id FROM users WHERE stripe_customer_id = $1)`,
        [late.customer],
      );
      await pass(); // incremental: only the traders with rows written since the last pass
      expect(reported(active.customer)).toEqual([100, 50]);
      expect(reported(late.customer)).toEqual([]);
      await pass(); // the next full pass
      expect(reported(late.customer)).toEqual([300]);
    } finally {
      await server.close();
    }
  });

  it('a report Stripe keeps refusing goes behind the others: it does not hold back other traders’ overage', async () => {
    const server = await startServer();
    try {
      const refused = await proTrader(server, `user_gone${Date.now()}`);
      const other = await proTrader(server, `user_next${Date.now()}`);
      stripe.refuseCustomer(refused.customer);
      // One row a pass.
      const pass = reporterOf(server, { batchSize: 1 });
      await refused.use(PRO_QUOTA + 100);
      expect(await pass()).toEqual({ queued: 1, sent: 0, failed: 1 });
      // The other trader's overage, queued later: sent on the next pass, ahead of the older row that failed.
      await other.use(PRO_QUOTA + 200);
      expect(await pass()).toEqual({ queued: 1, sent: 1, failed: 0 });
      expect(stripe.meterEvents.filter((event) => event.customer === other.customer).map((e) => e.value)).toEqual([
        200,
      ]);
      expect(await overageOf(server, refused.headers)).toEqual({ tokens: 100, reportedTokens: 0 });
    } finally {
      await server.close();
    }
  });

  it('a free trader has no overage: blocked at the quota instead', async () => {
    const server = await startServer();
    try {
      const headers = bearer(await issuer.sessionToken({ sub: `user_free${Date.now()}`, expiresIn: 900 }));
      expect(await overageOf(server, headers)).toEqual({ tokens: 0, reportedTokens: 0 });
    } finally {
      await server.close();
    }
  });
});
