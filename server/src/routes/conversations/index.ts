// GET /conversations, GET /conversations/:id/messages and a message's stored charts: the signed-in user's own
// history only. Another user's conversation (or chart) answers 404, exactly like one that does not exist.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  ChartParams,
  ConversationParams,
  ConversationsQuery,
  ConversationsResponse,
  MessagesQuery,
  MessagesResponse,
} from '../../contract/conversations.js';
import { Type } from 'typebox';
import { ErrorBody } from '../../contract/errors.js';
import { chartsRepository } from '../../db/repositories/charts.js';
import { AppError, notFound } from '../../errors.js';
import { currentUser } from '../../plugins/auth.js';

/** The image bytes themselves: Fastify sends a Buffer as it is, never through the JSON serializer. */
const ChartBytes = Type.Unsafe<Buffer>({ description: 'chart image bytes (PNG, JPEG or WebP)' });

export const conversationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);
  const charts = chartsRepository(app.db);

  app.get(
    '/conversations',
    { schema: { querystring: ConversationsQuery, response: { 200: ConversationsResponse, 400: ErrorBody } } },
    async (request) => {
      const user = currentUser(request);
      const page = await app.repos.conversations.listForUser(user.id, {
        limit: request.query.limit,
        ...(request.query.cursor ? { before: request.query.cursor } : {}),
      });
      if (!page) throw new AppError('invalid_request', 'cursor does not match any of your conversations');
      return {
        items: page.items.map((conversation) => ({
          id: conversation.id,
          title: conversation.title,
          createdAt: conversation.createdAt.toISOString(),
          updatedAt: conversation.updatedAt.toISOString(),
        })),
        nextCursor: page.nextCursor,
      };
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
