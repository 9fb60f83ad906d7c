// POST /chat/stream: a coaching turn over server-sent events. Errors found before the stream opens
// (validation, quota, unknown conversation) are plain HTTP errors; after that, stream events.
//
// What one request may cost is bounded before its body is read: one upload at a time per trader, a trader whose
// streams on this instance fill the plan refused unread, then a global memory guard; the body limit fits four charts
// and the longest question, and nothing more. The trader's concurrent streams on every instance are counted once
// the body is valid, with the rate limit, in one round trip to Redis.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/env.js';
import { priceLookup } from '../../config/pricing.js';
import {
  ChatStreamRequest,
  MAX_IMAGE_BYTES,
  MAX_IMAGES,
  MAX_LABEL_CHARS,
  MAX_MESSAGE_CHARS,
} from '../../contract/chat.js';
import { AppError, restarting } from '../../errors.js';
import { currentUser } from '../../plugins/auth.js';
import {
  ClientGone,
  prepareTurn,
  RESTARTING,
  streamTurn,
  type CoachDeps,
  type StopReason,
} from '../../services/coach-stream.js';
import { createCoachFetch } from '../../services/coach-fetch.js';
import { createCoachUpstream } from '../../services/coach-upstream.js';
import { loadCoachingPrompt } from '../../services/coaching-prompt.js';
import { validateImages } from '../../services/chart-images.js';
import { createMemoryGuard, type MemoryCharge } from '../../services/memory-guard.js';
import { oneAtATime } from '../../services/one-at-a-time.js';
import { sharedPromptSize } from '../../services/shared-prompt.js';
import type { UpstreamRefusals } from '../../services/upstream-refusals.js';
import { openEventStream } from '../../services/sse-writer.js';
import { chatBodyReader } from './read-body.js';

const base64Length = (bytes: number): number => 4 * Math.ceil(bytes / 3);
/**
 * Four charts of MAX_IMAGE_BYTES in base64, the longest question and labels with every character escaped
 * (\uXXXX, six bytes), and room for the JSON around them: about 20.1 MiB, and nothing more.
 */
export const CHAT_BODY_LIMIT_BYTES =
  MAX_IMAGES * base64Length(MAX_IMAGE_BYTES) + 6 * (MAX_MESSAGE_CHARS + MAX_IMAGES * MAX_LABEL_CHARS) + 4_096;

/** How long a trader told `busy` should wait before asking again. */
const BUSY_RETRY_AFTER_S = 2;

export const chatRoutes: FastifyPluginAsyncTypebox<{ config: Config; refusals: UpstreamRefusals }> = async (
  app,
  { config, refusals },
) => {
  const { anthropic } = config;
  const coaching = await loadCoachingPrompt();
  // The model's connections: kept alive between questions, closed with the app.
  const upstreamFetch = createCoachFetch();
  app.addHook('onClose', () => upstreamFetch.close());
  // Without ANTHROPIC_API_KEY there is no upstream: the local chart reader answers alone (services/local-turn.ts).
  const deps: CoachDeps = {
    db: app.db,
    upstream: anthropic.apiKey
      ? createCoachUpstream({
          apiKey: anthropic.apiKey,
          baseUrl: anthropic.baseUrl,
          maxRetries: anthropic.maxRetries,
          fetch: upstreamFetch.fetch,
          log: app.log,
        })
      : null,
    charts: app.chartAnalyzer,
    coaching,
    sharedPrompt: sharedPromptSize(coaching.estimatedTokens),
    coach: anthropic.coach,
    priceFor: priceLookup(anthropic.coach),
    log: app.log,
    idleTimeoutMs: anthropic.idleTimeoutMs,
    thinkingTimeoutMs: anthropic.thinkingTimeoutMs,
    streamTimeoutMs: anthropic.streamTimeoutMs,
    settle: (turn) => app.turns.settle(turn),
    refusals,
    shutdown: app.shutdown,
  };
  const memory = createMemoryGuard(config.memoryGuard);

  // Streams in flight: at shutdown each is stopped, accounted for and told to retry, before the pools close. A
  // question not yet at its stream does not stream on into the process's last seconds: one whose turn is being
  // stored (its model call perhaps open) is stopped as soon as it is (the call once its count is read), and streams
  // unavailable; one still queued or being uploaded is refused 503 unavailable, before its body is read or it
  // counts against the rate limit. The shutdown has begun (app.shutdown) before this hook runs.
  const active = new Set<{ stop: AbortController; done: Promise<void> }>();
  const closing = () => app.shutdown.signal.aborted;
  app.addHook('preClose', async () => {
    for (const stream of active) stream.stop.abort('shutdown' satisfies StopReason);
    await Promise.all([...active].map((stream) => stream.done));
  });

  /**
   * What a chat request holds (a stream slot, its place in the trader's queue, a share of the memory guard) and
   * must give back however it ends. The first hook opens the scope, before anything can wait, so a trader who
   * hangs up at any moment releases all of it: what is taken after the hang-up is given back at once.
   */
  const scopes = new WeakMap<FastifyRequest, RequestScope>();
  const scopeOf = (request: FastifyRequest): RequestScope => {
    const scope = scopes.get(request);
    if (!scope) throw new Error('chat request without a scope');
    return scope;
  };
  const openScope = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    scopes.set(request, openRequestScope(request, reply));
  };
  const signedIn = async (request: FastifyRequest): Promise<void> => {
    scopeOf(request).timing.signedIn = performance.now();
  };

  /**
   * Admits a valid question in one round trip to Redis: one of the trader's stream slots (429 too_many_streams,
   * freed when the response ends) and the rate limit (429 rate_limited) are asked for at once, and both commands go
   * out together. Taken one after the other, with the body read between, they were two round trips, each a wait
   * for Redis and then for the event loop (0.7 ms at p50 and 3-4 ms at p90 each in the closed loop of 100). A
   * question refused for its streams has counted against the rate limit, as every valid question does. Refused by
   * both, it is rate_limited, as its rate_limit_events row says: the trader cannot ask again before the window
   * allows, however soon an answer ends.
   */
  const admit = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    // Refused for a shutdown before it counts against the trader's rate limit (shared by every instance).
    if (closing()) throw restarting(RESTARTING.message);
    const [slot, rate] = await Promise.allSettled([
      app.streamSlots.acquire(currentUser(request), request.id),
      app.rateLimit(request, reply),
    ]);
    scopeOf(request).timing.admitted = performance.now();
    if (slot.status === 'fulfilled') scopeOf(request).hold(slot.value, 'end');
    if (rate.status === 'rejected') throw rate.reason;
    if (slot.status === 'rejected') throw slot.reason;
  };

  /**
   * A trader's questions are read one at a time, up to the moment the model has them: the body waits unread
   * (the client's upload is held back by TCP) until the trader's previous question has been sent, or for
   * config.uploadQueueWaitMs at most (an upstream slow to answer must not time out the upload behind it).
   */
  const uploads = oneAtATime();
  /** Called once the request's body is in (or the request has ended). */
  const bodyRead = new WeakMap<FastifyRequest, () => void>();
  /**
   * Per trader, the bodies being read now. A question that has waited config.uploadQueueWaitMs goes ahead beside its
   * predecessor only when that one's body is in (it waits for the model): beside a body still arriving (a trickled
   * upload) it is refused, or one trader's stalled uploads, each let through after the wait, filled the server's
   * memory guard and every trader's chart questions were 503 busy.
   */
  const bodiesReading = new Map<string, number>();
  const readOneAtATime = async (request: FastifyRequest): Promise<void> => {
    const user = currentUser(request).id;
    const release = await uploads.take(user, config.uploadQueueWaitMs, () => !bodiesReading.has(user));
    if (release === null) {
      throw new AppError(
        'too_many_streams',
        `Your previous question is still being sent. Ask again in ${BUSY_RETRY_AFTER_S} s.`,
        { retryAfterMs: BUSY_RETRY_AFTER_S * 1000 },
        { 'retry-after': String(BUSY_RETRY_AFTER_S) },
      );
    }
    scopeOf(request).hold(release, 'sent');
    bodiesReading.set(user, (bodiesReading.get(user) ?? 0) + 1);
    let reading = true;
    const bodyIn = (): void => {
      if (!reading) return;
      reading = false;
      const left = (bodiesReading.get(user) ?? 1) - 1;
      if (left > 0) bodiesReading.set(user, left);
      else bodiesReading.delete(user);
    };
    bodyRead.set(request, bodyIn);
    // A request that ends before its body is in (refused, or the trader gone) is not reading any more either.
    request.raw.once('close', bodyIn);
    // Waited while the server began to shut down: refused before its body is read.
    if (closing()) throw restarting(RESTARTING.message);
  };

  /**
   * Before the body is read, once the trader's earlier questions have taken their slots (readOneAtATime): a trader
   * whose streams on this instance alone fill the plan is refused too_many_streams unread, as a rate window this
   * server knows is full is. Ten parallel four-chart questions from one free trader read all ten bodies (20 MB
   * each) when only admit refused them: bench:memory's peak RSS went from 386-420 MB to 700 MB.
   */
  const refuseFullStreams = async (request: FastifyRequest): Promise<void> => {
    app.streamSlots.refuseIfFullHere(currentUser(request), request.id);
  };

  const busy = () =>
    new AppError(
      'busy',
      `The server is busy. Ask again in ${BUSY_RETRY_AFTER_S} s.`,
      { retryAfterMs: BUSY_RETRY_AFTER_S * 1000 },
      { 'retry-after': String(BUSY_RETRY_AFTER_S) },
    );

  /**
   * Before the body is read: refuses a declared size that would not fit the memory guard now, and opens the
   * request's share, which the body's reader charges as bytes arrive and which is given back once the model has
   * the question.
   */
  const charges = new WeakMap<FastifyRequest, MemoryCharge>();
  const guardMemory = async (request: FastifyRequest): Promise<void> => {
    const declared = Number(request.headers['content-length']);
    const bytes =
      Number.isFinite(declared) && declared > 0 ? Math.min(declared, CHAT_BODY_LIMIT_BYTES) : CHAT_BODY_LIMIT_BYTES;
    if (!memory.fits(bytes)) {
      request.log.warn(
        { inFlightBytes: memory.inFlightBytes, bytes },
        'busy: refused a chat request near the memory limit',
      );
      throw busy();
    }
    const charge = memory.open();
    charges.set(request, charge);
    scopeOf(request).hold(() => charge.release(), 'sent');
  };
  // JSON only, read by the counting reader: Fastify's own text/plain parser read a body of any size the route allows,
  // charged to nothing, before validation refused it (unread by the rate limit too). Any other type is refused 415
  // before its body is read.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    chatBodyReader({
      limit: CHAT_BODY_LIMIT_BYTES,
      busy: () => {
        app.log.warn(
          { inFlightBytes: memory.inFlightBytes },
          'busy: stopped reading a chat body near the memory limit',
        );
        return busy();
      },
      chargeOf: (request) => {
        const charge = charges.get(request);
        if (!charge) throw new Error('chat body without a memory charge');
        return charge;
      },
      parseJson: app.getDefaultJsonParser('error', 'error'),
    }),
  );

  /**
   * The charts are part of validation: checked (size, type, dimensions) before the rate limit counts the
   * request. Only their headers are decoded here; the turn decodes them once more, to keep them.
   */
  const checkCharts = async (request: FastifyRequest<{ Body: ChatStreamRequest }>): Promise<void> => {
    scopeOf(request).timing.read = performance.now();
    bodyRead.get(request)?.();
    // The Messages API refuses a text block of whitespace alone, and the question would be sent again with every
    // later turn of the conversation: refused here, with the other checks of the body.
    if (!/\S/.test(request.body.message)) {
      throw new AppError('invalid_request', 'message has no words: write a question', { field: 'message' });
    }
    await validateImages(request.body.images ?? []);
  };

  app.post(
    '/chat/stream',
    {
      // Cheapest refusals first: before the body is read, a rate window this server knows is full, the trader's
      // upload queue, streams this server knows fill the plan, and the server's memory; once it is valid, the
      // trader's streams on every instance and the rate limit, which counts only requests that pass validation.
      onRequest: [
        openScope,
        app.authenticate,
        signedIn,
        app.rateLimitCheck,
        readOneAtATime,
        refuseFullStreams,
        guardMemory,
      ],
      preHandler: [checkCharts, admit],
      bodyLimit: CHAT_BODY_LIMIT_BYTES,
      schema: { body: ChatStreamRequest },
    },
    async (request, reply) => {
      const scope = scopeOf(request);
      if (closing()) throw restarting(RESTARTING.message);
      let turn;
      try {
        turn = await prepareTurn(
          { ...deps, log: request.log },
          currentUser(request),
          request.body,
          request.id,
          scope.stop.signal,
        );
      } catch (error) {
        if (!(error instanceof ClientGone)) throw error;
        request.log.info('the trader left before the question reached the coach: nothing billed');
        reply.hijack();
        reply.raw.destroy();
        return;
      }

      // The turn has what it needs from the body: its charts (20 MB of base64 with four) are not kept by the request
      // for as long as the answer streams.
      request.body.images = [];
      // The server began to shut down while the turn was prepared: the stream says so at once (a model call already
      // made is stopped and billed as any stopped answer).
      if (closing()) scope.stop.abort('shutdown' satisfies StopReason);
      reply.header('server-timing', serverTiming(scope.timing, performance.now()));
      reply.hijack();
      const sink = openEventStream(
        reply.raw,
        reply.getHeaders(),
        config.ssePingIntervalMs,
        config.sseWriteTimeoutMs,
        closing(),
      );
      const stream = {
        stop: scope.stop,
        done: streamTurn({ ...deps, log: request.log }, turn, sink, scope.stop.signal, scope.sent),
      };
      active.add(stream);
      await stream.done;
      active.delete(stream);
    },
  );
};

/** When a chat request reached each step (performance.now()), for its Server-Timing header. */
interface Timing {
  received: number;
  signedIn?: number;
  /** Its body read, parsed and valid. */
  read?: number;
  admitted?: number;
}

/**
 * The stream's Server-Timing header (W3C): how long the question took to sign in (`auth`: the token and the user's
 * row), to be read behind the trader's earlier question and uploaded (`read`), to be admitted (`admit`: its charts
 * checked, the rate limit and a stream slot in Redis) and to be stored, the model asked (`store`), in ms. A client or
 * a benchmark sees where a slow first token began: `npm run bench:stream` prints each burst's p50 of each.
 */
export function serverTiming(timing: Timing, opened: number): string {
  const signedIn = timing.signedIn ?? timing.received;
  const read = timing.read ?? signedIn;
  const admitted = timing.admitted ?? read;
  const metric = (name: string, from: number, to: number) => `${name};dur=${Math.max(0, to - from).toFixed(1)}`;
  return [
    metric('auth', timing.received, signedIn),
    metric('read', signedIn, read),
    metric('admit', read, admitted),
    metric('store', admitted, opened),
  ].join(', ');
}

interface RequestScope {
  /** When the request reached each step. */
  timing: Timing;
  /** Aborted when the trader hangs up ('client'), or at shutdown. */
  stop: AbortController;
  /** Gives back what is held until the model has the question. */
  sent: () => void;
  /** Keeps `release` until the question is sent, or until the response ends; at once if that has happened. */
  hold(release: () => unknown, until: 'sent' | 'end'): void;
}

function openRequestScope(request: FastifyRequest, reply: FastifyReply): RequestScope {
  const stop = new AbortController();
  const held = { sent: [] as (() => unknown)[], end: [] as (() => unknown)[] };
  let isSent = false;
  let ended = false;
  const giveBack = (releases: (() => unknown)[]) => {
    for (const release of releases.splice(0)) void release();
  };
  const end = () => {
    if (ended) return;
    ended = true;
    if (!reply.raw.writableFinished) stop.abort('client' satisfies StopReason);
    giveBack(held.sent);
    giveBack(held.end);
  };
  reply.raw.once('close', end);
  // Gone before this hook ran: 'close' has already been emitted.
  if (reply.raw.destroyed || request.raw.destroyed) end();
  return {
    timing: { received: performance.now() },
    stop,
    sent() {
      isSent = true;
      giveBack(held.sent);
    },
    hold(release, until) {
      if (ended || (until === 'sent' && isSent)) void release();
      else held[until].push(release);
    },
  };
}
