// Chaos, bounded and on loopback only (issue 11): twenty answers finish while the test terminates the app's
// database connections every 20 ms. Afterwards nothing is lost: every call that reached the model has exactly
// one usage row, every delivered answer is stored, no reservation is left, and the quota counter equals the
// usage rows' sum (the one source /usage/current and the gate share).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatResult } from './support/coach-client.js';
import { TEST_DATABASE_URL } from './support/database.js';
import { eventually } from './support/eventually.js';
import { ledgerOf, startProxiedChat, type ProxiedChat } from './support/proxied-chat.js';

const STREAMS = 20;
const TRADERS = 10;

describe('chaos: database connections killed while answers finish', () => {
  let h: ProxiedChat;
  let admin: pg.Client;
  beforeAll(async () => {
    h = await startProxiedChat((config) => {
      // One quick retry: a reconnection costs one round trip (plan_cache_mode is a startup parameter), so with
      // two retries the kills every 20 ms sometimes left every turn to the retries and none to the outbox.
      config.settlement = { retryDelaysMs: [10], recoverIntervalMs: 60_000 };
    });
    admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await h?.close();
  });

  it(`records all ${STREAMS} turns exactly once`, async () => {
    const traders = await Promise.all(Array.from({ length: TRADERS }, () => h.trader()));
    // Each answer takes about a second; they end spread over a few hundred milliseconds.
    h.fake.setDefault((request) => ({
      chunks: Array.from({ length: 8 }, (_, index) => `part ${index} `),
      chunkDelayMs: 100 + (request.index % 5) * 15,
    }));
    let started = 0;
    const allStarted = new Promise<void>((resolve) => {
      const results = Array.from({ length: STREAMS }, (_, index) =>
        h.chat(
          traders[index % TRADERS]!.headers,
          { message: `Question ${index}` },
          {
            onEvent: (event) => {
              if (event.event === 'stream_start' && (started += 1) === STREAMS) resolve();
            },
          },
        ),
      );
      void Promise.all(results).then((done) => (finished = done));
    });
    let finished: ChatResult[] | undefined;
    await allStarted;

    let kills = 0;
    const killer = setInterval(() => {
      void admin
        .query('SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1', [
          h.applicationName,
        ])
        .then((result) => (kills += Number(result.rows[0]?.n ?? 0)))
        .catch(() => undefined);
    }, 20);
    let answered: ChatResult[];
    try {
      answered = await eventually(() => finished, 20_000, `all ${STREAMS} answers`);
    } finally {
      clearInterval(killer);
    }
    expect(answered).toHaveLength(STREAMS);
    expect(kills).toBeGreaterThan(0);
    // Every trader was answered in full; none was told the answer could not be saved.
    for (const result of answered) {
      expect(result.events.at(-1)?.event).toBe('stream_complete');
      expect(result.text()).toBe(Array.from({ length: 8 }, (_, index) => `part ${index} `).join(''));
    }

    // Turns the database refused wait in the outbox until it answers again.
    // The first pass may still meet a pooled connection the last kill closed: pass until the outbox is empty.
    let replayed = 0;
    for (let pass = 0; pass < 20 && (await h.test.app.turns.outbox.list()).turns.length > 0; pass += 1) {
      replayed += (await h.test.app.turns.recover()).replayed;
    }
    console.log(`chaos: ${kills} connections killed; ${replayed} turns recorded from the outbox`);
    // Retries alone did not carry the test: the outbox was used.
    expect(replayed).toBeGreaterThan(0);
    expect((await h.test.app.turns.outbox.list()).turns).toEqual([]);
    for (const { user, headers } of traders) {
      const calls = h.fake.requests.filter((request) => request.body.metadata?.user_id === user.id).length;
      const ledger = await ledgerOf(h.database, user.id);
      expect(ledger).toMatchObject({ quota_reserved: 0, reservations: 0 });
      expect(ledger.request_ids).toHaveLength(calls);
      expect(ledger.quota_used).toBe(ledger.usage_quota);
      // The meter shows the figure the gate reads.
      const meter = await h.test.app.inject({ method: 'GET', url: '/api/v1/usage/current', headers });
      expect(meter.json().quota.used).toBe(ledger.usage_quota);
    }
    const { rows } = await h.database.db.query<{ answers: number }>(
      `SELECT count(*)::int8 AS answers FROM messages WHERE role = 'assistant'`,
    );
    expect(rows[0]!.answers).toBe(STREAMS);
  });
});
