// POST /chat/stream: a coaching turn over server-sent events. Errors found before the stream opens
// (validation, quota, unknown conversation) are plain HTTP errors; after that, stream events.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config/env.js';
import { priceLookup } from '../../config/pricing.js';
import { ChatStreamRequest } from '../../contract/chat.js';
import { AppError } from '../../errors.js';
import { currentUser } from '../../plugins/auth.js';
import { prepareTurn, streamTurn, type CoachDeps, type StopReason } from '../../services/coach-stream.js';
import { createCoachUpstream } from '../../services/coach-upstream.js';
import { loadCoachingPrompt } from '../../services/coaching-prompt.js';
import { sharedPromptSize } from '../../services/shared-prompt.js';
import { openEventStream } from '../../services/sse-writer.js';

/** Four 5 MB images in base64 plus a 20,000-character question. */
export const CHAT_BODY_LIMIT_BYTES = 30 * 1024 * 1024;

export const chatRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const { anthropic } = config;
  const coaching = await loadCoachingPrompt();
  const deps: CoachDeps | null = anthropic.apiKey
    ? {
        db: app.db,
        upstream: createCoachUpstream({
          apiKey: anthropic.apiKey,
          baseUrl: anthropic.baseUrl,
          maxRetries: anthropic.maxRetries,
        }),
        coaching,
        sharedPrompt: sharedPromptSize(coaching.estimatedTokens),
        coach: anthropic.coach,
        priceFor: priceLookup(anthropic.coach),
        log: app.log,
        idleTimeoutMs: anthropic.idleTimeoutMs,
        thinkingTimeoutMs: anthropic.thinkingTimeoutMs,
      }
    : null;

  // Streams in flight: at shutdown each is stopped, accounted for and told to retry, before the pools close.
  const active = new Set<{ stop: AbortController; done: Promise<void> }>();
  app.addHook('preClose', async () => {
    for (const stream of active) stream.stop.abort('shutdown' satisfies StopReason);
    await Promise.all([...active].map((stream) => stream.done));
  });

  app.post(
    '/chat/stream',
    {
      onRequest: [app.authenticate, app.rateLimit],
      bodyLimit: CHAT_BODY_LIMIT_BYTES,
      schema: { body: ChatStreamRequest },
    },
    async (request, reply) => {
      if (!deps) {
        throw new AppError(
          'upstream_unconfigured',
          'Coaching is not set up on this server: set ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL for another endpoint), then restart it.',
        );
      }
      const turn = await prepareTurn({ ...deps, log: request.log }, currentUser(request), request.body, request.id);

      const stop = new AbortController();
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) stop.abort('client' satisfies StopReason);
      });
      reply.hijack();
      const sink = openEventStream(reply.raw, reply.getHeaders(), config.ssePingIntervalMs);
      const stream = { stop, done: streamTurn({ ...deps, log: request.log }, turn, sink, stop.signal) };
      active.add(stream);
      await stream.done;
      active.delete(stream);
    },
  );
};
