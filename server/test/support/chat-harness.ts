// One real server for coaching tests: PostgreSQL schema, Clerk-shaped issuer, the fake Anthropic
// upstream driven by the real SDK, and the app listening on a loopback port.
import type { AddressInfo } from 'node:net';
import type { Config } from '../../src/config/env.js';
import { startApiHarness, type ApiHarness } from './api-harness.js';
import type { TestAppOptions } from './app.js';
import { postChat, type ChatOptions } from './coach-client.js';
import { startFakeAnthropic, type FakeAnthropic } from './fake-anthropic.js';

export interface ChatHarness extends ApiHarness {
  fake: FakeAnthropic;
  baseUrl: string;
  chat(headers: Record<string, string>, body: unknown, options?: ChatOptions): ReturnType<typeof postChat>;
}

export async function startChatHarness(
  tweak?: (config: Config) => void,
  env: Record<string, string> = {},
  logger?: TestAppOptions['logger'],
): Promise<ChatHarness> {
  const fake = await startFakeAnthropic();
  const api = await startApiHarness({
    env: { ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: fake.url, ...env },
    tweak: (config) => {
      config.anthropic.idleTimeoutMs = 1_500;
      config.anthropic.thinkingTimeoutMs = 8_000;
      config.ssePingIntervalMs = 100;
      tweak?.(config);
    },
    ...(logger ? { logger } : {}),
  });
  await api.test.app.listen({ host: '127.0.0.1', port: 0 });
  const baseUrl = `http://127.0.0.1:${(api.test.app.server.address() as AddressInfo).port}`;

  return {
    ...api,
    fake,
    baseUrl,
    chat: (headers, body, options) => postChat(baseUrl, headers, body, options),
    async close() {
      await api.close();
      await fake.close();
    },
  };
}

export interface UsageRowView {
  request_id: string;
  status: string;
  error_code: string | null;
  model: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cost_usd: string;
  ttft_ms: number | null;
  latency_ms: number | null;
  conversation_id: string | null;
}

export async function usageRow(harness: ChatHarness, requestId: string): Promise<UsageRowView | undefined> {
  const { rows } = await harness.database.db.query<UsageRowView>('SELECT * FROM token_usage WHERE request_id = $1', [
    requestId,
  ]);
  return rows[0];
}
