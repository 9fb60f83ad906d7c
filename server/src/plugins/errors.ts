// One error shape for every failure: { error: { code, message, ...details } }. Validation errors are 400
// `invalid_request`, unknown routes 404 `not_found`, and unexpected errors 500 `internal` without a stack.
import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ErrorCode } from '../contract/errors.js';
import { AppError } from '../errors.js';

/** Fastify's own client errors, mapped to contract codes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'invalid_request',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_request',
};

const send = (code: ErrorCode, message: string, details: Record<string, unknown> = {}) => ({
  error: { code, message, ...details },
});

export const errorsPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
      if (error instanceof AppError) {
        if (error.statusCode >= 500) request.log.warn({ code: error.code }, error.message);
        return reply
          .status(error.statusCode)
          .headers(error.headers)
          .send(send(error.code, error.message, error.details));
      }
      if ('validation' in error && error.validation) {
        return reply.status(400).send(send('invalid_request', error.message));
      }
      const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
      if (mapped) {
        const status = mapped === 'payload_too_large' ? 413 : 400;
        return reply.status(status).send(send(mapped, error.message));
      }
      // A body that is not JSON at all (SyntaxError from the parser) is the client's fault too.
      if (error.statusCode === 400) return reply.status(400).send(send('invalid_request', error.message));
      request.log.error({ err: error }, 'unhandled error');
      return reply.status(500).send(send('internal', 'Something went wrong on our side. Try again.'));
    });

    app.setNotFoundHandler((request, reply) =>
      reply.status(404).send(send('not_found', `No route for ${request.method} ${request.url.split('?')[0]}`)),
    );
  },
  { name: 'errors' },
);
