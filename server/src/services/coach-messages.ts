// The Messages API `messages` of a turn, built from the history window and the question by one pure function,
// so a message reads the same in every later request and each turn's prefix is the next turn's cached prefix.
// The conversation's most recent charts ride with the question that sent them; older charts become a short
// note. Cache breakpoints: the end of the earlier turns and the end of this question.
import type {
  ContentBlockParam,
  ImageBlockParam,
  MessageParam,
  TextBlockParam,
} from '@anthropic-ai/sdk/resources/messages';
import { UPSTREAM_MAX_IMAGE_BASE64_CHARS, type ImageMediaType } from '../contract/chat.js';
import type { ImageMeta } from '../db/repositories/conversations.js';

export interface ContextMessage {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  /** The charts this message carried (metadata; their bytes, when current, come in `charts`). */
  images: readonly ImageMeta[];
}

export interface ChartForModel {
  mediaType: ImageMediaType;
  /** Base64 of the image bytes. */
  data: string;
  label: string | null;
  /** The local reader's pixel reading of the chart, given to the model right after it; null when not read. */
  reading: string | null;
}

export interface ConversationCharts {
  /** The message that sent the conversation's most recent charts, or null when none did. */
  holderId: string | null;
  /** Those charts' bytes; empty when they are no longer stored. */
  charts: readonly ChartForModel[];
}

const EPHEMERAL = { type: 'ephemeral' } as const;

const text = (value: string): TextBlockParam => ({ type: 'text', text: value });

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

const labelsOf = (images: readonly ImageMeta[]): string => {
  const labels = images.map((image) => image.label).filter((label): label is string => Boolean(label));
  return labels.length > 0 ? ` (${labels.join(', ')})` : '';
};

/** "Chart 2 of 3 — SPY 60m", then the image, then its pixel reading when there is one, for each chart. */
function chartBlocks(charts: readonly ChartForModel[]): ContentBlockParam[] {
  return charts.flatMap((chart, index): ContentBlockParam[] => {
    const title = `Chart ${index + 1} of ${charts.length}${chart.label ? ` — ${chart.label}` : ''}`;
    // Kept before the server held charts to the model's limit (its 5 MB counts the base64): the model would refuse
    // the request, and every later one of the conversation. A note takes its place.
    if (chart.data.length > UPSTREAM_MAX_IMAGE_BASE64_CHARS) return [text(`${title}: too large to show the model.`)];
    const image: ImageBlockParam = {
      type: 'image',
      source: { type: 'base64', media_type: chart.mediaType, data: chart.data },
    };
    if (!chart.reading) return [text(title), image];
    const about = `Pixel reading of chart ${index + 1}${chart.label ? ` (${chart.label})` : ''}:`;
    return [text(title), image, text(`${about}\n${chart.reading}`)];
  });
}

function userBlocks(message: ContextMessage, charts: ConversationCharts): ContentBlockParam[] {
  const blocks: ContentBlockParam[] = [];
  const count = message.images.length;
  if (count > 0 && message.id === charts.holderId) {
    if (charts.charts.length > 0) blocks.push(...chartBlocks(charts.charts));
    else blocks.push(text(`[${plural(count, 'chart')} sent here${labelsOf(message.images)}: no longer stored.]`));
  } else if (count > 0) {
    blocks.push(text(`[${plural(count, 'chart')} sent here${labelsOf(message.images)}: replaced by a newer capture.]`));
  }
  if (hasWords(message.content)) blocks.push(text(message.content));
  return blocks;
}

/**
 * The Messages API refuses a text block of whitespace alone ("text content blocks must contain non-whitespace
 * text"). Neither a question nor an answer is stored so now, but rows from before are left out, not sent.
 */
const hasWords = (value: string): boolean => /\S/.test(value);

/**
 * `window` is the history window followed by this turn's question, oldest first, refused questions left out.
 * Consecutive questions (one whose answer failed, then the next) become one user turn, as the API wants
 * roles to alternate; a window that starts with an answer drops it.
 */
export function buildMessages(window: readonly ContextMessage[], charts: ConversationCharts): MessageParam[] {
  const messages: Array<{ role: 'user' | 'assistant'; content: ContentBlockParam[] }> = [];
  const carried = charts.holderId !== null && charts.charts.length > 0 && !window.some((m) => m.id === charts.holderId);
  for (const message of window) {
    if (messages.length === 0 && message.role === 'assistant') continue;
    const blocks =
      message.role === 'user' ? userBlocks(message, charts) : hasWords(message.content) ? [text(message.content)] : [];
    if (blocks.length === 0) continue;
    if (carried && messages.length === 0) {
      // The charts were sent before the window's start: they still belong to the conversation.
      blocks.unshift(text('Charts from earlier in this conversation:'), ...chartBlocks(charts.charts));
    }
    const last = messages.at(-1);
    if (last && last.role === message.role) last.content.push(...blocks);
    else messages.push({ role: message.role, content: blocks });
  }
  markBreakpoint(messages.at(-1));
  markBreakpoint(messages.findLast((message) => message.role === 'assistant'));
  return messages;
}

/** A cache breakpoint after the message's last block (a text block: every message ends with its text). */
function markBreakpoint(message: { content: ContentBlockParam[] } | undefined): void {
  const last = message?.content.at(-1);
  if (last?.type === 'text') last.cache_control = EPHEMERAL;
}
