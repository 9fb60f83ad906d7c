// Two lanes, decided by what a test file needs. `integration`: PostgreSQL, Redis, a spawned process, or
// (local-issuer) a flood too slow for the quick lane. `unit`: everything else — PGlite, loopback servers
// and the fake upstream all run in-process — under a setup that refuses PostgreSQL and Redis, so a file
// that needs them fails loudly there. server/test/test-lanes.test.ts holds this list to what files use.
import { configDefaults, defineConfig } from 'vitest/config';

export const TEST_FILES = ['server/test/**/*.test.ts', 'apps/desktop/test/**/*.test.ts'];

export const INTEGRATION_TEST_FILES = [
  'server/test/app.test.ts',
  'server/test/auth.test.ts',
  'server/test/billing-routes.test.ts',
  'server/test/billing-overage.test.ts',
  'server/test/billing-instances.test.ts',
  'server/test/billing-quota-period.test.ts',
  'server/test/billing-webhook.test.ts',
  'server/test/chaos.test.ts',
  'server/test/chat-charts.test.ts',
  'server/test/chat-conversation.test.ts',
  'server/test/chat-limits.test.ts',
  'server/test/chat-settlement.test.ts',
  'server/test/chat-stream-failures.test.ts',
  'server/test/chat-stream.test.ts',
  'server/test/chat-thinking.test.ts',
  'server/test/coach-context.test.ts',
  'server/test/compiled-server.test.ts',
  'server/test/conversations-routes.test.ts',
  'server/test/data-dir.test.ts',
  'server/test/db/coaching-turns.test.ts',
  'server/test/db/migrations.test.ts',
  'server/test/db/repositories.test.ts',
  'server/test/fake-anthropic-cli.test.ts',
  'server/test/local-issuer.test.ts',
  'server/test/rate-limit-blip.test.ts',
  'server/test/rate-limit-events.test.ts',
  'server/test/rate-limit-exactness.test.ts',
  'server/test/rate-limit-fallback.test.ts',
  'server/test/rate-limit-instances.test.ts',
  'server/test/rate-limit-validation.test.ts',
  'server/test/rate-limit.test.ts',
  'server/test/smoke.test.ts',
  'server/test/stream-slots.test.ts',
  'server/test/two-instances.test.ts',
  'server/test/usage-routes.test.ts',
];

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: TEST_FILES,
          exclude: [...configDefaults.exclude, ...INTEGRATION_TEST_FILES],
          setupFiles: ['./vitest.unit-setup.ts'],
          // Unit files keep no state between files (stores are reset per test), so they share workers and
          // module loads: the lane runs in well under a minute on two cores.
          pool: 'threads',
          isolate: false,
          maxWorkers: 2,
        },
      },
      // One file at a time against the shared PostgreSQL and Redis, as before the split.
      { extends: true, test: { name: 'integration', include: INTEGRATION_TEST_FILES } },
    ],
  },
});
