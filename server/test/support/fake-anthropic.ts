// A fake Anthropic Messages API on loopback for tests, benchmarks and keyless local runs: the real SDK points
// at it with `baseURL`; tests script each answer and read back what the client sent and whether it hung up.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MessageCreateParamsBase } from '@anthropic-ai/sdk/resources/messages';
import type { ErrorType } from '@anthropic-ai/sdk/resources/shared';
import {
  DEFAULT_CHUNKS,
  defaultError,
  errorBody,
  message,
  validateBody,
  type FakeScript,
  type FakeUsage,
} from './fake-anthropic-protocol.js';
import { modelSpec } from '../../src/config/models.js';
import { checkModelParameters, planAnswer, retiredModel } from './fake-anthropic-model.js';
import { contentBlocks, sendError, writeJson, writeMessageStream } from './fake-anthropic-sse.js';
import { estimateTokens, PromptCache, promptBlocks, type Tokenizer } from './fake-anthropic-usage.js';

export type {
  FakeRefusal,
  FakeScript,
  FakeThinking,
  FakeUsage,
  FailBeforeStream,
  FailMidStream,
} from './fake-anthropic-protocol.js';

export type RequestOutcome =
  | 'in_progress'
  | 'completed'
  | 'failed_before_stream'
  | 'failed_mid_stream'
  | 'dropped_mid_stream'
  | 'client_disconnected';

/** One accepted `POST /v1/messages`. Live: fields change while its response is in flight. */
export interface RecordedRequest {
  index: number;
  requestId: string;
  /** `performance.now()` when the request arrived (the same clock a test reads). */
  receivedAt: number;
  body: MessageCreateParamsBase;
  /** Lower-cased names; several values joined with ", ". */
  headers: Record<string, string>;
  stream: boolean;
  /** The HTTP status answered, null until the headers go out. */
  status: number | null;
  outcome: RequestOutcome;
  /** What the prompt-cache simulation did for this request (read: some prefix came from the cache). */
  cache: 'write' | 'read' | 'none';
  /** Whether the model thought before answering, and how the answer stopped (null before the answer). */
  thinking: 'thinking' | 'redacted' | 'none' | null;
  stopReason: string | null;
  /**
   * The counts this answer carries, null when it failed before the stream. Input and cache counts went out in
   * `message_start`; `outputTokens` reached the client only if `finalUsageSent` (a `message_delta` or a Message).
   */
  usage: FakeUsage | null;
  finalUsageSent: boolean;
  chunksSent: number;
  /** True when the client went away before the response ended. */
  disconnected: boolean;
  disconnectedAt: number | null;
  endedAt: number | null;
}

/** A request the fake refused like the API would (no key, bad JSON, missing field, unknown path). */
export interface RejectedRequest {
  receivedAt: number;
  method: string;
  path: string;
  status: number;
  errorType: ErrorType;
  message: string;
}

/** A script, or one computed from the request it answers. */
export type ScriptStep = FakeScript | ((request: RecordedRequest) => FakeScript);

export interface FakeAnthropicOptions {
  port?: number;
  host?: string;
  /** Answers requests when no queued step is left. */
  defaultScript?: ScriptStep;
  /** Prefixes shorter than this are not cached. Default: each model's documented minimum (512 for Sonnet 5.5). */
  minCacheableTokens?: number;
  /** How long a cached prefix lives after its last use (the API's 5-minute cache). */
  cacheTtlMs?: number;
  /**
   * Bodies of the requests past this many are dropped once answered (the record keeps the model and its
   * max_tokens): a benchmark's thousands of questions would otherwise keep a 14 KB prompt each, and the fake's
   * collections of them slowed both sides of the comparison. Default: every body is kept.
   */
  keptBodies?: number;
}

export interface FakeAnthropic {
  /** The `baseURL` for the SDK (no `/v1`). */
  readonly url: string;
  readonly requests: readonly RecordedRequest[];
  readonly rejected: readonly RejectedRequest[];
  /** Bodies of the accepted `POST /v1/messages/count_tokens` calls (the API counts them free). */
  readonly tokenCounts: readonly MessageCreateParamsBase[];
  /** Event streams open right now, and the most at once since start or `reset()`. */
  readonly openStreams: number;
  readonly peakOpenStreams: number;
  /** Queues steps, each used by exactly one request, in arrival order; then the default answers. */
  script(...steps: ScriptStep[]): void;
  setDefault(step: ScriptStep): void;
  /** Counts prompt text with `tokenize` (billing and count_tokens alike) until reset; null: the usual estimate. */
  setTokenizer(tokenize: Tokenizer | null): void;
  /** Forgets requests, queued steps, the default set by `setDefault`, and the prompt cache. */
  reset(): void;
  waitForRequest(index: number, timeoutMs?: number): Promise<RecordedRequest>;
  waitForChunks(index: number, count: number, timeoutMs?: number): Promise<RecordedRequest>;
  /** Resolves when the response is over, whichever way it ended. */
  waitForEnd(index: number, timeoutMs?: number): Promise<RecordedRequest>;
  /** Milliseconds from this call until the client of request `index` hung up (0 if it already had). */
  waitForDisconnect(index: number, timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

const ONE_SECOND = 1_000;
const UNKNOWN_MODEL_CACHE_MINIMUM = 1_024;

function flattenHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const instance = randomBytes(4).toString('hex');
  let requests: RecordedRequest[] = [];
  let rejected: RejectedRequest[] = [];
  let tokenCounts: MessageCreateParamsBase[] = [];
  let tokenize: Tokenizer = estimateTokens;
  let queue: ScriptStep[] = [];
  let fallback: ScriptStep = options.defaultScript ?? {};
  const minimumFor = (model: string): number =>
    options.minCacheableTokens ?? modelSpec(model)?.minCacheableTokens ?? UNKNOWN_MODEL_CACHE_MINIMUM;
  const promptCache = new PromptCache(minimumFor, options.cacheTtlMs ?? 5 * 60 * ONE_SECOND);
  let openStreams = 0;
  let peakOpenStreams = 0;
  let closing = false;
  const keptBodies = options.keptBodies ?? Number.POSITIVE_INFINITY;
  const answered = new WeakSet<RecordedRequest>(); // requests whose handler has fully run
  const watchers = new Set<() => void>();
  const changed = (): void => watchers.forEach((watch) => watch());

  const reject = (
    request: IncomingMessage,
    response: ServerResponse,
    receivedAt: number,
    status: number,
    message: string,
  ): void => {
    const { type } = defaultError(status);
    const requestId = `req_fake_${instance}_rejected_${rejected.length}`;
    rejected.push({
      receivedAt,
      method: request.method ?? '',
      path: request.url ?? '',
      status,
      errorType: type,
      message,
    });
    sendError(response, { status, errorType: type, message }, requestId);
    changed();
  };

  const answer = async (record: RecordedRequest, response: ServerResponse, signal: AbortSignal): Promise<void> => {
    const step = queue.shift() ?? fallback;
    const script = typeof step === 'function' ? step(record) : step;
    if (script.headersDelayMs) {
      try {
        await sleep(script.headersDelayMs, undefined, { signal });
      } catch {
        return; // the client left while it waited; the close handler has recorded it
      }
    }
    if (script.failBeforeStream) {
      record.status = script.failBeforeStream.status;
      record.outcome = 'failed_before_stream';
      sendError(response, script.failBeforeStream, record.requestId);
      return;
    }
    const plan = planAnswer(record.body, script, script.chunks ?? DEFAULT_CHUNKS);
    const billed = promptCache.bill(record.body, plan.outputTokens, script.usage, tokenize);
    const usage = billed.usage;
    record.cache = billed.cache;
    record.thinking = plan.thinking === null ? 'none' : plan.thinking.redacted ? 'redacted' : 'thinking';
    record.stopReason = plan.stopReason;
    const messageId = `msg_fake_${instance}_${record.index}`;
    record.status = 200;
    record.usage = usage;
    if (!record.stream) {
      record.finalUsageSent = true;
      record.outcome = 'completed';
      const body = message(messageId, record.body.model, contentBlocks(plan), usage, plan.stopReason, plan.stopDetails);
      writeJson(response, 200, body, record.requestId);
      return;
    }
    openStreams += 1;
    peakOpenStreams = Math.max(peakOpenStreams, openStreams);
    try {
      const stream = { messageId, requestId: record.requestId, model: record.body.model, answer: plan, usage, script };
      const outcome = await writeMessageStream(response, signal, stream, (sent) => {
        record.chunksSent = sent;
        changed();
      });
      record.finalUsageSent = outcome === 'completed';
      if (outcome !== 'client_disconnected') record.outcome = outcome;
      changed();
    } finally {
      openStreams -= 1;
    }
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const receivedAt = performance.now();
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'POST' && path === '/v1/messages/count_tokens') {
      // The prompt as the API would bill it, without max_tokens or stream: the same counts as /v1/messages.
      const raw = await readBody(request);
      if (!request.headers['x-api-key'] && !request.headers.authorization) {
        return reject(request, response, receivedAt, 401, 'x-api-key header is required');
      }
      let body: MessageCreateParamsBase;
      try {
        body = JSON.parse(raw) as MessageCreateParamsBase;
      } catch {
        return reject(request, response, receivedAt, 400, 'the body is not JSON');
      }
      if (typeof body.model !== 'string' || !Array.isArray(body.messages)) {
        return reject(request, response, receivedAt, 400, 'model and messages are required');
      }
      const gone = retiredModel(body.model);
      if (gone) return reject(request, response, receivedAt, 404, gone);
      tokenCounts.push(body);
      const inputTokens = promptBlocks(body, tokenize).reduce((sum, block) => sum + block.tokens, 0);
      return writeJson(
        response,
        200,
        { input_tokens: inputTokens },
        `req_fake_${instance}_count_${tokenCounts.length}`,
      );
    }
    if (request.method !== 'POST' || path !== '/v1/messages') {
      request.resume();
      return reject(request, response, receivedAt, 404, `${request.method ?? ''} ${path ?? ''} is not served here`);
    }
    const raw = await readBody(request);
    if (!request.headers['x-api-key'] && !request.headers.authorization) {
      return reject(request, response, receivedAt, 401, 'x-api-key header is required');
    }
    const valid = validateBody(raw);
    if (!valid.ok) return reject(request, response, receivedAt, 400, valid.message);
    const retired = retiredModel(valid.body.model);
    if (retired) return reject(request, response, receivedAt, 404, retired);
    const refused = checkModelParameters(valid.body);
    if (refused) return reject(request, response, receivedAt, 400, refused);

    const record: RecordedRequest = {
      index: requests.length,
      requestId: `req_fake_${instance}_${requests.length}`,
      receivedAt,
      body: valid.body,
      headers: flattenHeaders(request),
      stream: valid.body.stream === true,
      status: null,
      outcome: 'in_progress',
      cache: 'none',
      thinking: null,
      stopReason: null,
      usage: null,
      finalUsageSent: false,
      chunksSent: 0,
      disconnected: false,
      disconnectedAt: null,
      endedAt: null,
    };
    requests.push(record);
    const gone = new AbortController();
    response.on('close', () => {
      record.endedAt = performance.now();
      // A connection the fake closed itself (dropAfterChunks) is not the client's leaving.
      if (!response.writableFinished && !closing && record.outcome !== 'dropped_mid_stream') {
        record.disconnected = true;
        record.disconnectedAt = record.endedAt;
        record.outcome = 'client_disconnected';
      }
      gone.abort();
      changed();
    });
    changed();
    await answer(record, response, gone.signal);
    if (record.index >= keptBodies)
      record.body = { model: record.body.model, max_tokens: record.body.max_tokens, messages: [] };
    answered.add(record);
    changed();
  };

  const server: Server = createServer({ noDelay: true }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      // A bug in the fake, not a scripted failure: answer 500 so the test sees it rather than hangs.
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify(errorBody('api_error', `fake upstream: ${String(error)}`, 'req_fake_bug')));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  const url = `http://${address.address}:${address.port}`;

  const waitUntil = <T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const check = (): void => {
        const found = probe();
        if (found === undefined) return;
        clearTimeout(timer);
        watchers.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        watchers.delete(check);
        reject(new Error(`fake Anthropic: ${what} did not happen within ${timeoutMs} ms`));
      }, timeoutMs);
      watchers.add(check);
      check();
    });

  return {
    url,
    get requests() {
      return requests;
    },
    get rejected() {
      return rejected;
    },
    get tokenCounts() {
      return tokenCounts;
    },
    get openStreams() {
      return openStreams;
    },
    get peakOpenStreams() {
      return peakOpenStreams;
    },
    script(...steps) {
      queue.push(...steps);
    },
    setDefault(step) {
      fallback = step;
    },
    setTokenizer(next) {
      tokenize = next ?? estimateTokens;
    },
    reset() {
      requests = [];
      rejected = [];
      tokenCounts = [];
      tokenize = estimateTokens;
      queue = [];
      fallback = options.defaultScript ?? {};
      promptCache.clear();
      peakOpenStreams = openStreams;
    },
    waitForRequest(index, timeoutMs = 5 * ONE_SECOND) {
      return waitUntil(() => requests[index], timeoutMs, `request ${index}`);
    },
    waitForChunks(index, count, timeoutMs = 5 * ONE_SECOND) {
      const probe = (): RecordedRequest | undefined => {
        const record = requests[index];
        return record && record.chunksSent >= count ? record : undefined;
      };
      return waitUntil(probe, timeoutMs, `${count} chunks on request ${index}`);
    },
    waitForEnd(index, timeoutMs = 5 * ONE_SECOND) {
      const probe = (): RecordedRequest | undefined => {
        const record = requests[index];
        return record && answered.has(record) && record.endedAt !== null ? record : undefined;
      };
      return waitUntil(probe, timeoutMs, `the end of request ${index}`);
    },
    async waitForDisconnect(index, timeoutMs = ONE_SECOND) {
      const startedAt = performance.now();
      const probe = (): number | undefined => {
        const at = requests[index]?.disconnectedAt;
        return at === null || at === undefined ? undefined : Math.max(0, at - startedAt);
      };
      return waitUntil(probe, timeoutMs, `a client disconnect on request ${index}`);
    },
    async close() {
      closing = true;
      const closed = new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
      server.closeAllConnections();
      await closed;
    },
  };
}
