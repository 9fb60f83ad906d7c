// A usage row as a finished answer leaves it, for tests that write usage straight into the database (a past
// period, a quota reached): nothing spent unless the test says so.
import type { NewUsageRecord } from '../../src/db/repositories/usage.js';

let sequence = 0;

export const usageRecord = (userId: string, overrides: Partial<NewUsageRecord> = {}): NewUsageRecord => ({
  userId,
  conversationId: null,
  requestId: `req-${(sequence += 1)}`,
  model: 'claude-sonnet-5-5',
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  costUsd: 0,
  latencyMs: 1000,
  ttftMs: 200,
  status: 'ok',
  errorCode: null,
  billingPeriodStart: new Date(),
  ...overrides,
});
