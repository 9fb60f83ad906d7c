// Benchmark of the overage pass's database work (billing's queueOverage): a full pass, which sums every paid
// trader's current and previous period, beside an incremental one, which sums only the traders with usage rows
// written since the previous pass, as each instance runs it every minute. Seeds BENCH_OVERAGE_TRADERS paid
// traders (default 1,000) with BENCH_OVERAGE_ROWS usage rows each (default 300, over both periods) in a fresh
// schema, then times each pass five times (the median is reported) with 1% of the traders answering once more
// before each incremental pass. `npm run bench:overage`; writes server/bench/results/overage.json. Needs
// PostgreSQL (TEST_DATABASE_URL).
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { billingRepository, type PaidQuotas } from '../src/db/repositories/billing.js';
import { postgresTestDatabase } from '../test/support/database.js';
import { countFromEnv } from './machine-speed.js';

const TRADERS = countFromEnv('BENCH_OVERAGE_TRADERS', 1_000);
const ROWS = countFromEnv('BENCH_OVERAGE_ROWS', 300);
const RUNS = 5;
/** Past every trader's quota, so each pass has overage to look at (and, after new rows, to queue). */
const QUOTAS: PaidQuotas = { pro: 100_000, enterprise: 1_000_000 };

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const round = (value: number) => Math.round(value * 10) / 10;

async function main(): Promise<void> {
  const test = await postgresTestDatabase();
  try {
    const { db } = test;
    const seeded = performance.now();
    await db.query(
      `INSERT INTO users (clerk_user_id, tier, stripe_customer_id)
       SELECT 'user_overage' || n, 'pro', 'cus_overage' || n FROM generate_series(1, $1::int) AS n`,
      [TRADERS],
    );
    // Half the rows in the current calendar month, half in the one before, each trader past the pro quota.
    await db.query(
      `INSERT INTO token_usage (user_id, request_id, model, input_tokens, output_tokens, quota_tokens, status,
                                billing_period_start, tier, created_at)
       SELECT u.id, 'req', 'bench', 1000, 800, 1800, 'ok',
              date_trunc('month', now()) - (k % 2) * interval '1 month', 'pro',
              now() - (k % 2) * interval '20 days'
         FROM users u CROSS JOIN generate_series(1, $1::int) AS k`,
      [ROWS],
    );
    await db.query('ANALYZE');
    const seedSeconds = (performance.now() - seeded) / 1000;
    const billing = billingRepository(db);
    const timed = async (pass: () => Promise<number>) => {
      const started = performance.now();
      const queued = await pass();
      return { ms: performance.now() - started, queued };
    };

    const full: number[] = [];
    const incremental: number[] = [];
    const queued = { full: 0, incremental: 0 };
    for (let run = 0; run < RUNS; run += 1) {
      const fullPass = await timed(() => billing.queueOverage(QUOTAS));
      full.push(fullPass.ms);
      queued.full += fullPass.queued;
      const since = await billing.now();
      // 1% of the traders answer once more: what an incremental pass a minute later finds new.
      await db.query(
        `INSERT INTO token_usage (user_id, request_id, model, input_tokens, output_tokens, quota_tokens, status,
                                  billing_period_start, tier)
         SELECT id, 'req', 'bench', 1000, 800, 1800, 'ok', date_trunc('month', now()), 'pro'
           FROM users ORDER BY random() LIMIT greatest(1, $1::int / 100)`,
        [TRADERS],
      );
      const incrementalPass = await timed(() => billing.queueOverage(QUOTAS, since));
      incremental.push(incrementalPass.ms);
      queued.incremental += incrementalPass.queued;
    }

    const rows = [
      { pass: 'full (every paid trader)', medianMs: round(median(full)), runsMs: full.map(round), queued: queued.full },
      {
        pass: 'incremental (1% with new rows)',
        medianMs: round(median(incremental)),
        runsMs: incremental.map(round),
        queued: queued.incremental,
      },
    ];
    console.log(
      `${TRADERS.toLocaleString('en')} paid traders × ${ROWS} usage rows (${(TRADERS * ROWS).toLocaleString('en')}), ` +
        `seeded in ${seedSeconds.toFixed(1)} s; ${RUNS} runs each`,
    );
    console.table(rows);
    const machine = {
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      loadavg: loadavg(),
      node: process.version,
    };
    console.log(
      `machine: ${machine.cpus} × ${machine.cpu}, load ${machine.loadavg.map((l) => l.toFixed(2)).join(' ')}`,
    );
    const resultsFile = join(dirname(fileURLToPath(import.meta.url)), 'results', 'overage.json');
    await mkdir(dirname(resultsFile), { recursive: true });
    await writeFile(
      resultsFile,
      `${JSON.stringify({ traders: TRADERS, rowsPerTrader: ROWS, runs: RUNS, rows, machine }, null, 2)}\n`,
    );
    console.log(`wrote ${resultsFile}`);
  } finally {
    await test.drop();
  }
}

await main();
