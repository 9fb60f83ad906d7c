// What the model sees of a conversation on this turn: the history window (chosen from the sizes of the latest
// messages, then only its messages loaded), the question, and the conversation's most recent charts — this
// question's, or the stored ones of the last question that sent any. Bounded whatever the conversation's
// length: at most a couple of hundred index rows, the window's messages and one chart holder are read. A
// question that replaces the last one (Regenerate, Edit & resend) sees the conversation as it was before it.
import { imageSize } from 'image-size';
import type { Database } from '../db/database.js';
import { chartsRepository } from '../db/repositories/charts.js';
import {
  conversationsRepository,
  type HistoryEntry,
  type ImageMeta,
  type Message,
  type ReplacedQuestion,
} from '../db/repositories/conversations.js';
import { READING_TOKENS, type ChartRead } from './chart-analysis.js';
import { imageTokens, MAX_LONG_EDGE_PX, type CheckedImage } from './chart-images.js';
import { estimateTextTokens, windowStart } from './coach-history.js';
import type { ContextMessage, ConversationCharts } from './coach-messages.js';

/** The id the question has in the window before it is stored. */
export const PENDING_QUESTION_ID = 'pending-question';

export interface TurnContext {
  /** The history window, oldest first, then this turn's question; refused questions left out. */
  window: ContextMessage[];
  charts: ConversationCharts;
  /**
   * This question's own charts (sent with it, or taken over from the question it replaces), in order, for the
   * local reader: their bytes, and the reading stored with them when they were read before. Empty when the
   * question has none (a follow-up about an earlier chart).
   */
  questionCharts: QuestionChart[];
  /** The stored question this turn retries (it got no answer), or null for a new question. */
  retryOf: string | null;
  /** Upper-bound estimate of the window's text and the charts, for the quota reservation. */
  estimatedTokens: number;
}

export interface QuestionChart {
  bytes: Buffer;
  stored: ChartRead | null;
}

/** A chart's stored reading, when it was read (and what the model was given of it kept). */
const storedRead = (meta: ImageMeta | undefined): ChartRead | null =>
  meta?.analysis && meta.reader
    ? { analysis: meta.analysis, text: meta.reader.text, target: meta.reader.target }
    : null;

const codePoints = (text: string): number => Array.from(text).length;

const toContext = (message: Message): ContextMessage => ({
  id: message.id,
  role: message.role,
  content: message.content,
  images: message.images,
});

export async function loadTurnContext(
  db: Database,
  conversationId: string | null,
  question: { content: string; images: readonly CheckedImage[] },
  /** The conversation's last question, which this one replaces: it and what follows are left out. */
  replacing: ReplacedQuestion | null = null,
): Promise<TurnContext> {
  const conversations = conversationsRepository(db);
  const index = (conversationId ? await conversations.historyIndex(conversationId) : []).filter(
    (entry) => !replacing || entry.seq < replacing.seq,
  );
  const pending: HistoryEntry = {
    id: PENDING_QUESTION_ID,
    seq: Number.MAX_SAFE_INTEGER,
    role: 'user',
    chars: codePoints(question.content),
    charts: question.images.length,
    refused: false,
  };
  const last = index.at(-1);
  const metas = question.images.map((image) => image.meta);
  // A question sent again after its answer failed (same words, same charts) is already stored: it is this
  // turn, not a new message. The same test as the statement that stores questions (coaching-turns.ts).
  const maybeRetry = !replacing && last?.role === 'user' && !last.refused && last.chars === pending.chars;

  const load = async (entries: HistoryEntry[]): Promise<Message[]> => {
    const first = entries[windowStart(entries)];
    return conversationId && first && first !== pending
      ? conversations.messagesFrom(conversationId, first.seq, replacing?.seq ?? null)
      : [];
  };
  let stored = await load(maybeRetry ? index : [...index, pending]);
  let retryOf: string | null = null;
  const lastStored = stored.at(-1);
  if (
    maybeRetry &&
    lastStored?.id === last.id &&
    lastStored.content === question.content &&
    sameCharts(lastStored.images, metas)
  ) {
    retryOf = lastStored.id;
    stored = stored.slice(0, -1);
  } else if (maybeRetry) {
    stored = await load([...index, pending]);
  }

  // A replacement sent without charts keeps the replaced question's (the statement moves them to it).
  const carried = replacing && metas.length === 0 && !replacing.refused && replacing.images.length > 0;
  const current: ContextMessage = {
    id: retryOf ?? PENDING_QUESTION_ID,
    role: 'user',
    content: question.content,
    images: carried ? replacing.images : metas,
  };
  const window = [...stored.filter((message) => !message.refused).map(toContext), current];
  const { charts, questionCharts, tokens } = await conversationCharts(
    db,
    conversationId,
    current,
    question.images,
    replacing,
  );
  const textTokens = window.reduce(
    (sum, message) => sum + estimateTextTokens(message.content) + NOTE_TOKENS + labelTokens(message.images),
    0,
  );
  return { window, charts, questionCharts, retryOf, estimatedTokens: textTokens + tokens };
}

const chartKey = (image: ImageMeta): string =>
  [image.mediaType, image.bytes, image.width, image.height, image.label ?? ''].join('|');

/** The same charts, in the same order (by what is stored of them: type, size, dimensions, label). */
const sameCharts = (stored: readonly ImageMeta[], sent: readonly ImageMeta[]): boolean =>
  stored.length === sent.length &&
  stored.every((image, index) => chartKey(image) === chartKey(sent[index] as ImageMeta));

/** Room for a message's chart titles or notes ("Chart 1 of 2 — SPY 60m"). */
const NOTE_TOKENS = 24;

/**
 * A message's chart labels, at a token a byte: each is written twice at most (a current chart's title and its pixel
 * reading's line; an earlier one's note), with its framing. A label of 40 characters outside ASCII is 160 bytes, and
 * five earlier questions of four such charts passed the estimate by three thousand tokens, past a free trader's quota.
 */
const labelTokens = (images: readonly ImageMeta[]): number =>
  images.reduce((sum, image) => sum + 2 * (Buffer.byteLength(image.label ?? '', 'utf8') + 24), 0);

async function conversationCharts(
  db: Database,
  conversationId: string | null,
  current: ContextMessage,
  images: readonly CheckedImage[],
  replacing: ReplacedQuestion | null,
): Promise<{ charts: ConversationCharts; questionCharts: QuestionChart[]; tokens: number }> {
  // Each chart may get its pixel reading (read later, or stored): counted at its bound.
  if (images.length > 0) {
    return {
      charts: {
        holderId: current.id,
        charts: images.map((image) => ({
          mediaType: image.mediaType,
          data: image.data,
          label: image.label,
          reading: null,
        })),
      },
      questionCharts: images.map((image) => ({ bytes: image.bytes, stored: null })),
      tokens: images.reduce((sum, image) => sum + image.tokens + READING_TOKENS, 0),
    };
  }
  // Looked up on its own: the holder can be older than the history index reaches.
  // The replaced question, when it holds them, hands its charts to this one (current carries their metadata).
  const holder = conversationId ? await conversationsRepository(db).lastChartHolder(conversationId) : null;
  if (!holder) return { charts: { holderId: null, charts: [] }, questionCharts: [], tokens: 0 };
  const stored = await chartsRepository(db).forMessage(holder.id);
  const taken = holder.id === replacing?.id;
  return {
    charts: {
      holderId: taken ? current.id : holder.id,
      charts: stored.map((chart) => ({
        mediaType: chart.mediaType,
        data: chart.data.toString('base64'),
        label: chart.label,
        reading: holder.images[chart.position]?.reader?.text ?? null,
      })),
    },
    questionCharts: taken
      ? stored.map((chart) => ({ bytes: chart.data, stored: storedRead(holder.images[chart.position]) }))
      : [],
    tokens: stored.reduce((sum, chart) => sum + storedChartTokens(chart.data) + READING_TOKENS, 0),
  };
}

/** A stored chart's tokens from its dimensions (the largest image the API keeps when they can't be read). */
function storedChartTokens(data: Buffer): number {
  try {
    const { width, height } = imageSize(data);
    if (width && height) return imageTokens(width, height);
  } catch {
    // fall through to the upper bound
  }
  return imageTokens(MAX_LONG_EDGE_PX, MAX_LONG_EDGE_PX);
}
