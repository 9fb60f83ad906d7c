// The signed-in user's conversation history.
import { Type, type Static } from 'typebox';
import { ChartAnalysis } from './charts.js';

/** Longest search a trader can type, and longest title a conversation can be given. */
export const MAX_SEARCH_CHARS = 200;
export const MAX_TITLE_CHARS = 120;

/**
 * The conversations, most recently active first; `cursor` is the id of the previous page's last one. With `q`,
 * only those whose title or any message holds the words, as a search box reads them: every word (stemmed:
 * "hammer" finds "hammers"), "quoted words" as a phrase, `or`, `-word` to exclude; "2-1-2" as one pattern.
 */
export const ConversationsQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 30 }),
    cursor: Type.Optional(Type.String({ format: 'uuid' })),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_SEARCH_CHARS })),
  },
  { additionalProperties: false },
);
export type ConversationsQuery = Static<typeof ConversationsQuery>;

export const ConversationSummary = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    title: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    /** Searches only: plain text around the words in the newest message that matched (absent: the title did). */
    snippet: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type ConversationSummary = Static<typeof ConversationSummary>;

export const ConversationsResponse = Type.Object(
  { items: Type.Array(ConversationSummary), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  { additionalProperties: false },
);
export type ConversationsResponse = Static<typeof ConversationsResponse>;

export const ConversationParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

/** PATCH /conversations/:id. The title is trimmed, and its runs of spaces and line breaks made one space. */
export const RenameConversationBody = Type.Object(
  { title: Type.String({ minLength: 1, maxLength: MAX_TITLE_CHARS }) },
  { additionalProperties: false },
);
export type RenameConversationBody = Static<typeof RenameConversationBody>;

export const ImageMeta = Type.Object(
  {
    mediaType: Type.String(),
    bytes: Type.Integer(),
    width: Type.Union([Type.Integer(), Type.Null()]),
    height: Type.Union([Type.Integer(), Type.Null()]),
    /** The timeframe label the trader gave the chart, when there was one. */
    label: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    /**
     * The local chart reader's reading of this chart (the stream's chart_analysis image without its index), for
     * drawing bar numbers on it; absent or null when it was not read (charts stored before the reader).
     */
    analysis: Type.Optional(Type.Union([ChartAnalysis, Type.Null()])),
  },
  { additionalProperties: false },
);
export type ImageMeta = Static<typeof ImageMeta>;

export const MessageItem = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    role: Type.Union([Type.Literal('user'), Type.Literal('assistant')]),
    content: Type.String(),
    images: Type.Array(ImageMeta),
    createdAt: Type.String({ format: 'date-time' }),
    /**
     * An answer that is not whole: 'stopped' (the trader pressed Stop), 'cut_short' (its length limit) or 'failed'
     * (it broke off part way: the model's connection was lost or went silent, or the server restarted).
     */
    ending: Type.Optional(Type.Union([Type.Literal('stopped'), Type.Literal('cut_short'), Type.Literal('failed')])),
    /**
     * A question the model refused: kept for the trader, but neither it nor its charts reach the model again, so a
     * client reopening the conversation does not take its charts for the conversation's.
     */
    refused: Type.Optional(Type.Literal(true)),
  },
  { additionalProperties: false },
);
export type MessageItem = Static<typeof MessageItem>;
/** How an answer ended short of whole: the trader stopped it, it reached its length limit (max_tokens), or it failed. */
export type MessageEnding = NonNullable<MessageItem['ending']>;

/** A stored chart: `n` is its position in the message's `images` (0-based). */
export const ChartParams = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    messageId: Type.String({ format: 'uuid' }),
    n: Type.Integer({ minimum: 0, maximum: 3 }),
  },
  { additionalProperties: false },
);
export type ChartParams = Static<typeof ChartParams>;

/**
 * A page of a conversation, newest first: without a cursor the newest `limit` messages; with one, the
 * `limit` messages written just before that message (the id of the oldest message the client holds).
 */
export const MessagesQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
    cursor: Type.Optional(Type.String({ format: 'uuid' })),
  },
  { additionalProperties: false },
);
export type MessagesQuery = Static<typeof MessagesQuery>;

/**
 * `items` oldest first within the page, so a client appends them in order (and prepends an earlier page
 * whole); `nextCursor` asks for the page before this one, null when this page starts the conversation.
 */
export const MessagesResponse = Type.Object(
  { items: Type.Array(MessageItem), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  { additionalProperties: false },
);
export type MessagesResponse = Static<typeof MessagesResponse>;
