// Writes the fake's HTTP answers: the API's error responses, a whole Message, and the scripted event stream in
// the documented order — a thinking block first when the model thinks, then the text block — with the
// delays, pings, unknown events, stalls, refusals and mid-stream errors a script asks for.
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContentBlock } from '@anthropic-ai/sdk/resources/messages';
import type { AnswerPlan, ThinkingPlan } from './fake-anthropic-model.js';
import {
  contentBlockStop,
  defaultError,
  errorBody,
  messageDelta,
  messageStart,
  messageStop,
  redactedThinkingBlockStart,
  signatureDelta,
  sse,
  textBlockStart,
  textDelta,
  thinkingBlockStart,
  thinkingDelta,
  UNKNOWN_EVENT,
  type FailBeforeStream,
  type FakeScript,
  type FakeUsage,
} from './fake-anthropic-protocol.js';

export type StreamOutcome = 'completed' | 'failed_mid_stream' | 'dropped_mid_stream' | 'client_disconnected';

export interface StreamPlan {
  messageId: string;
  requestId: string;
  model: string;
  answer: AnswerPlan;
  usage: FakeUsage;
  /** Read for its delays, pings, unknown events, stall and mid-stream failure. */
  script: FakeScript;
}

/** An opaque stand-in for the API's signature / redacted data: only its presence matters to a client. */
const opaque = (): string => randomBytes(24).toString('base64');

/** The content blocks of a whole (non-streaming) answer. */
export function contentBlocks(answer: AnswerPlan): ContentBlock[] {
  const blocks: ContentBlock[] = [];
  const thinking = answer.thinking;
  if (thinking?.redacted) blocks.push({ type: 'redacted_thinking', data: opaque() });
  else if (thinking) blocks.push({ type: 'thinking', thinking: thinking.chunks.join(''), signature: opaque() });
  if (answer.chunks.length > 0) blocks.push({ type: 'text', text: answer.chunks.join(''), citations: null });
  return blocks;
}

class ClientGone extends Error {}

/** SSE framing over a response whose client may leave at any moment (the signal aborts when it does). */
class EventWriter {
  constructor(
    private readonly response: ServerResponse,
    private readonly signal: AbortSignal,
  ) {}

  async send(event: string, data: unknown): Promise<void> {
    if (this.signal.aborted || this.response.destroyed) throw new ClientGone();
    if (this.response.write(sse(event, data))) return;
    // A slow reader: wait for the socket to drain instead of buffering the rest of the answer.
    await new Promise<void>((resolve, reject) => {
      const drained = (): void => {
        this.signal.removeEventListener('abort', gone);
        resolve();
      };
      const gone = (): void => {
        this.response.off('drain', drained);
        reject(new ClientGone());
      };
      this.response.once('drain', drained);
      this.signal.addEventListener('abort', gone, { once: true });
    });
  }

  async pause(ms: number): Promise<void> {
    if (ms <= 0) return;
    try {
      await sleep(ms, undefined, { signal: this.signal });
    } catch {
      throw new ClientGone();
    }
  }

  /** Says nothing more, the way a hung upstream does, until the client gives up. */
  async hold(): Promise<never> {
    if (!this.signal.aborted) {
      await new Promise<void>((resolve) => this.signal.addEventListener('abort', () => resolve(), { once: true }));
    }
    throw new ClientGone();
  }
}

export function writeJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  requestId: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId, ...headers });
  response.end(JSON.stringify(body));
}

/** An error before the stream: the API's JSON body and the headers the SDK's retry logic reads. */
export function sendError(response: ServerResponse, failure: FailBeforeStream, requestId: string): void {
  const fallback = defaultError(failure.status);
  const headers: Record<string, string> = {};
  if (failure.retryAfter !== undefined) headers['retry-after'] = failure.retryAfter;
  if (failure.retryAfterMs !== undefined) headers['retry-after-ms'] = String(failure.retryAfterMs);
  if (failure.shouldRetry !== undefined) headers['x-should-retry'] = String(failure.shouldRetry);
  const body = errorBody(failure.errorType ?? fallback.type, failure.message ?? fallback.message, requestId);
  writeJson(response, failure.status, body, requestId, headers);
}

/** Headers for a 200 event stream, as the API sends them. */
export function writeStreamHead(response: ServerResponse, requestId: string): void {
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'request-id': requestId,
  });
}

/** Streams the plan; `onChunk` hears how many text deltas have been written so far. */
export async function writeMessageStream(
  response: ServerResponse,
  signal: AbortSignal,
  plan: StreamPlan,
  onChunk: (chunksSent: number) => void,
): Promise<StreamOutcome> {
  const writer = new EventWriter(response, signal);
  const { script } = plan;
  const { chunks, thinking } = plan.answer;
  const textIndex = thinking ? 1 : 0;
  const failAt = script.failMidStream ? Math.min(script.failMidStream.afterChunks, chunks.length) : undefined;
  const stallAt = script.stallAfterChunks === undefined ? undefined : Math.min(script.stallAfterChunks, chunks.length);
  const dropAt = script.dropAfterChunks === undefined ? undefined : Math.min(script.dropAfterChunks, chunks.length);
  let dropped = false;
  const chunkDelayMs = script.chunkDelayMs ?? 0;
  const firstChunkDelayMs = script.firstChunkDelayMs ?? chunkDelayMs;
  const ping = (): Promise<void> => (script.ping ? writer.send('ping', { type: 'ping' }) : Promise.resolve());
  const unknown = (): Promise<void> =>
    script.unknownEvents ? writer.send(UNKNOWN_EVENT, { type: UNKNOWN_EVENT, note: 'tolerate me' }) : Promise.resolve();
  try {
    writeStreamHead(response, plan.requestId);
    await writer.send('message_start', messageStart(plan.messageId, plan.model, plan.usage));
    await ping();
    await unknown();
    if (thinking) await writeThinking(writer, thinking, script);
    if (chunks.length > 0 || failAt !== undefined || stallAt !== undefined || dropAt !== undefined) {
      await writer.send('content_block_start', textBlockStart(textIndex));
    }
    for (let index = 0; index <= chunks.length; index += 1) {
      if (index === failAt) {
        const { errorType = 'overloaded_error', message = 'Overloaded' } = script.failMidStream ?? {};
        await writer.send('error', errorBody(errorType, message, plan.requestId));
        return 'failed_mid_stream';
      }
      if (index === dropAt) {
        // The connection closes mid-body once what was written has gone out: the chunked body never ends, as when a
        // connection is reset or a proxy dies.
        dropped = true;
        response.socket?.end();
        return 'dropped_mid_stream';
      }
      if (index === stallAt) await writer.hold();
      const chunk = chunks[index];
      if (chunk === undefined) break;
      await writer.pause(index === 0 ? firstChunkDelayMs : chunkDelayMs);
      if (index > 0) await ping();
      if (index === Math.floor(chunks.length / 2)) await unknown();
      await writer.send('content_block_delta', textDelta(textIndex, chunk));
      onChunk(index + 1);
    }
    if (chunks.length > 0) await writer.send('content_block_stop', contentBlockStop(textIndex));
    await writer.send('message_delta', messageDelta(plan.usage, plan.answer.stopReason, plan.answer.stopDetails));
    await writer.send('message_stop', messageStop);
    return 'completed';
  } catch (error) {
    if (error instanceof ClientGone) return 'client_disconnected';
    throw error;
  } finally {
    if (!response.destroyed && !dropped) response.end();
  }
}

/** The thinking block: its start, the displayed thinking (if any) while the model thinks, the signature, stop. */
async function writeThinking(writer: EventWriter, thinking: ThinkingPlan, script: FakeScript): Promise<void> {
  const delayMs = (script.thinking || undefined)?.delayMs ?? 0;
  if (thinking.redacted) {
    await writer.send('content_block_start', redactedThinkingBlockStart(opaque()));
    await writer.pause(delayMs);
  } else {
    await writer.send('content_block_start', thinkingBlockStart);
    const pieces = thinking.chunks.length;
    for (const chunk of thinking.chunks) {
      await writer.pause(delayMs / pieces);
      await writer.send('content_block_delta', thinkingDelta(chunk));
    }
    if (pieces === 0) await writer.pause(delayMs);
    await writer.send('content_block_delta', signatureDelta(opaque()));
  }
  await writer.send('content_block_stop', contentBlockStop(0));
}
