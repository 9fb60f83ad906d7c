// GET /conversations and GET /conversations/:id/messages: the signed-in user's own history only.
// Another user's conversation answers 404, exactly like one that does not exist.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  ConversationParams,
  ConversationsQuery,
  ConversationsResponse,
  MessagesResponse,
} from '../../contract/conversations.js';
import { ErrorBody } from '../../contract/errors.js';
import { AppError, notFound } from '../../errors.js';
import { currentUser } from '../../plugins/auth.js';

export const conversationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);

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

  app.get(
    '/conversations/:id/messages',
    { schema: { params: ConversationParams, response: { 200: MessagesResponse, 404: ErrorBody } } },
    async (request) => {
      const user = currentUser(request);
      const conversation = await app.repos.conversations.findForUser(request.params.id, user.id);
      if (!conversation) throw notFound('conversation');
      const messages = await app.repos.conversations.messages(conversation.id);
      return {
        items: messages.map((message) => ({
          id: message.id,
          role: message.role,
          content: message.content,
          images: message.images,
          createdAt: message.createdAt.toISOString(),
        })),
      };
    },
  );
};
