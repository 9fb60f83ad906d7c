// POST /charts/read: the composer's chart preview asks for the bar numbers before the trader asks anything. The
// local reader only: no model, no tokens, no quota, and not counted by the rate limit of questions. Bounded per
// trader (one read at a time, the next upload waiting unread) and per server (a few reads at once, then 503
// busy), on top of the body limit of one chart.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ChartAnalysisImageSchema, ChartReadRequest } from '../../contract/charts.js';
import { MAX_IMAGE_BYTES } from '../../contract/chat.js';
import { ErrorBody } from '../../contract/errors.js';
import { AppError } from '../../errors.js';
import { currentUser } from '../../plugins/auth.js';
import { withIndex } from '../../services/chart-analysis.js';
import { checkImages, type CheckedImage } from '../../services/chart-images.js';
import { oneAtATime } from '../../services/one-at-a-time.js';

/** One chart of MAX_IMAGE_BYTES in base64, a label, and the JSON around them. */
export const CHART_READ_BODY_LIMIT_BYTES = 4 * Math.ceil(MAX_IMAGE_BYTES / 3) + 4_096;
/** Reads in flight on this server (each holds its body, its image and its pixels); past it, 503 busy. */
export const MAX_CHART_READS = 4;
const BUSY_RETRY_AFTER_S = 1;

/** queueWaitMs: how long a trader's read waits, unread, for their previous one (Config.uploadQueueWaitMs). */
export const chartRoutes: FastifyPluginAsyncTypebox<{ queueWaitMs: number }> = async (app, { queueWaitMs }) => {
  const reads = oneAtATime();
  let inFlight = 0;

  /**
   * The trader's turn first, then one of the server's slots: a trader's parallel reads wait for their turn unread,
   * without holding slots, so one trader holds one at most. Taken the other way round, one trader's four slow uploads
   * held all four, and every other trader's preview was 503 busy.
   */
  const holdReadSlot = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    let releaseTurn: (() => void) | null = null;
    let holdsSlot = false;
    let done = false;
    const release = () => {
      if (done) return;
      done = true;
      if (holdsSlot) inFlight -= 1;
      releaseTurn?.();
    };
    reply.raw.once('close', release);
    // The trader's previous read still going after queueWaitMs is a stuck upload (a read takes 1.5 s at most once
    // its body is in): this one is refused rather than let through beside it to take a second slot, and a third.
    const turn = await reads.take(currentUser(request).id, queueWaitMs, () => false);
    if (turn === null) {
      release();
      throw new AppError(
        'busy',
        `Your previous chart is still being sent. Ask again in ${BUSY_RETRY_AFTER_S} s.`,
        { retryAfterMs: BUSY_RETRY_AFTER_S * 1000 },
        { 'retry-after': String(BUSY_RETRY_AFTER_S) },
      );
    }
    releaseTurn = turn;
    if (done) {
      releaseTurn();
      return;
    }
    if (inFlight >= MAX_CHART_READS) {
      release();
      throw new AppError(
        'busy',
        `The server is busy reading charts. Ask again in ${BUSY_RETRY_AFTER_S} s.`,
        { retryAfterMs: BUSY_RETRY_AFTER_S * 1000 },
        { 'retry-after': String(BUSY_RETRY_AFTER_S) },
      );
    }
    inFlight += 1;
    holdsSlot = true;
  };

  // JSON only: Fastify's text/plain parser would read a body under the route's limit only for validation to refuse it.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

  app.post(
    '/charts/read',
    {
      onRequest: [app.authenticate, holdReadSlot],
      bodyLimit: CHART_READ_BODY_LIMIT_BYTES,
      schema: {
        body: ChartReadRequest,
        response: { 200: ChartAnalysisImageSchema, 400: ErrorBody, 413: ErrorBody },
      },
    },
    async (request) => {
      const image = await checkedImage(request.body);
      const read = await app.chartAnalyzer.read(image.bytes);
      return withIndex(read.analysis, 0);
    },
  );
};

/** The chat's image checks (magic bytes, size, padding), with the field named as this body names it. */
async function checkedImage(body: ChartReadRequest): Promise<CheckedImage> {
  try {
    const [image] = await checkImages([body.image]);
    if (!image) throw new Error('checkImages returned no image');
    return image;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    throw new AppError(error.code, error.message.replace('images[0]', 'image'), { field: 'image' }, error.headers);
  }
}
