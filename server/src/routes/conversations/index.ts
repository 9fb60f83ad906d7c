// The signed-in user's own history: GET /conversations (with ?q= a search), rename and delete, a conversation's
// messages and their stored charts. Another user's conversation (or chart) answers 404, exactly like one that
// does not exist.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  ChartParams,
  ConversationParams,
  ConversationsQuery,
  ConversationsResponse,
  ConversationSummary,
  MessagesQuery,
  MessagesResponse,
  RenameConversationBody,
} from '../../contract/conversations.js';
import { Type } from 'typebox';
import { ErrorBody } from '../../contract/errors.js';
import { chartsRepository } from '../../db/repositories/charts.js';
import type { Conversation } from '../../db/repositories/conversations.js';
import { AppError, notFound } from '../../errors.js';
import { currentUser } from '../../plugins/auth.js';

/** The image bytes themselves: Fastify sends a Buffer as it is, never through the JSON serializer. */
const ChartBytes = Type.Unsafe<Buffer>({ description: 'chart image bytes (PNG, JPEG or WebP)' });

/** A NUL cannot be stored or searched for, and no other control character belongs in a title or a search. */
const hasControl = (text: string): boolean =>
  [...text].some((char) => {
    const code = char.charCodeAt(0);
    return code < 0x20 || (code >= 0x7f && code <= 0x9f);
  });

/** One line of plain text: trimmed, each run of white space one space. */
function oneLine(field: string, text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  if (line.length === 0) throw new AppError('invalid_request', `${field} must not be blank`, { field });
  if (hasControl(line)) {
    throw new AppError('invalid_request', `${field} must not contain control characters`, { field });
  }
  return line;
}

const toSummary = (conversation: Conversation & { snippet?: string | null }): ConversationSummary => ({
  id: conversation.id,
  title: conversation.title,
  createdAt: conversation.createdAt.toISOString(),
  updatedAt: conversation.updatedAt.toISOString(),
  ...(conversation.snippet ? { snippet: conversation.snippet } : {}),
});

export const conversationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);
  const charts = chartsRepository(app.db);

  app.get(
    '/conversations',
    { schema: { querystring: ConversationsQuery, response: { 200: ConversationsResponse, 400: ErrorBody } } },
    async (request) => {
      const user = currentUser(request);
      const { q, limit, cursor } = request.query;
      const pageOf = { limit, ...(cursor ? { before: cursor } : {}) };
      const page =
        q === undefined
          ? await app.repos.conversations.listForUser(user.id, pageOf)
          : await app.repos.conversations.search(user.id, oneLine('q', q), pageOf);
      if (!page) throw new AppError('invalid_request', 'cursor does not match any of your conversations');
      return { items: page.items.map(toSummary), nextCursor: page.nextCursor };
    },
  );

  app.patch(
    '/conversations/:id',
    {
      schema: {
        params: ConversationParams,
        body: RenameConversationBody,
        response: { 200: ConversationSummary, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const title = oneLine('title', request.body.title);
      const renamed = await app.repos.conversations.rename(request.params.id, currentUser(request).id, title);
      if (!renamed) throw notFound('conversation');
      return toSummary(renamed);
    },
  );

  // Its messages and stored charts go with it; the usage it cost stays (billing), and an answer still streaming
  // on it is billed as usual.
  app.delete(
    '/conversations/:id',
    { schema: { params: ConversationParams, response: { 204: Type.Null(), 400: ErrorBody, 404: ErrorBody } } },
    async (request, reply) => {
      if (!(await app.repos.conversations.remove(request.params.id, currentUser(request).id))) {
        throw notFound('conversation');
      }
      return reply.status(204).send(null);
    },
  );

  // Newest page first (a chat opens at its end); each page's nextCursor asks for the one before it.
  app.get(
    '/conversations/:id/messages',
    {
      schema: {
        params: ConversationParams,
        querystring: MessagesQuery,
        response: { 200: MessagesResponse, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const conversation = await app.repos.conversations.findForUser(request.params.id, user.id);
      if (!conversation) throw notFound('conversation');
      const page = await app.repos.conversations.messagePage(conversation.id, {
        limit: request.query.limit,
        ...(request.query.cursor ? { before: request.query.cursor } : {}),
      });
      if (!page) throw new AppError('invalid_request', 'cursor does not match any message of this conversation');
      return {
        items: page.items.map((message) => ({
          id: message.id,
          role: message.role,
          content: message.content,
          images: message.images,
          createdAt: message.createdAt.toISOString(),
          ...(message.ending ? { ending: message.ending } : {}),
          ...(message.refused ? { refused: true as const } : {}),
        })),
        nextCursor: page.nextCursor,
      };
    },
  );

  // A stored chart, for history thumbnails: the owner only; anyone else, an expired chart, or a wrong
  // position is the same 404.
  app.get(
    '/conversations/:id/messages/:messageId/charts/:n',
    { schema: { params: ChartParams, response: { 200: ChartBytes, 404: ErrorBody } } },
    async (request, reply) => {
      const { id, messageId, n } = request.params;
      const chart = await charts.findForUser(currentUser(request).id, id, messageId, n);
      if (!chart) throw notFound('chart');
      return reply
        .type(chart.mediaType)
        .header('cache-control', 'private, max-age=3600')
        .header('content-length', chart.data.length)
        .send(chart.data);
    },
  );
};
