// The chat body's reader. Written by hand rather than left to Fastify's, for memory: Fastify's keeps every
// chunk of a body until its end, then copies them into one buffer and that buffer into a string, three copies of
// a 27 MB body at once. Here each chunk is decoded as it arrives and let go (one copy, as text, until the end),
// and the memory guard is charged for the bytes that have arrived: a client that declares a large body and
// trickles it holds only what it has sent. Parsing stays Fastify's own (prototype-poisoning checks included).
import { StringDecoder } from 'node:string_decoder';
import { errorCodes, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { MemoryCharge } from '../../services/memory-guard.js';

type JsonParser = ReturnType<FastifyInstance['getDefaultJsonParser']>;

export interface ChatBodyOptions {
  /** The most bytes a body may have, declared or received. */
  limit: number;
  /** The request's share of the memory guard, opened before the body is read. */
  chargeOf: (request: FastifyRequest) => MemoryCharge;
  /** What to answer when the guard refuses the next bytes. */
  busy: () => Error;
  /** Fastify's JSON parser, as the app is configured. */
  parseJson: JsonParser;
}

export function chatBodyReader({ limit, chargeOf, busy, parseJson }: ChatBodyOptions) {
  return (
    request: FastifyRequest,
    payload: NodeJS.ReadableStream,
    done: (error: Error | null, body?: unknown) => void,
  ) => {
    const declared = Number(request.headers['content-length']);
    if (declared > limit) {
      done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
      return;
    }
    const charge = chargeOf(request);
    const decoder = new StringDecoder('utf8');
    const parts: string[] = [];
    let received = 0;
    const stop = (error: Error | null, body?: unknown) => {
      payload.removeListener('data', onData);
      payload.removeListener('end', onEnd);
      payload.removeListener('error', onEnd);
      done(error, body);
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      received += bytes.length;
      if (received > limit) return stop(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
      if (!charge.add(bytes.length)) return stop(busy());
      parts.push(decoder.write(bytes));
    };
    const onEnd = (error?: Error) => {
      if (error) {
        (error as Error & { statusCode?: number }).statusCode ??= 400;
        return stop(error);
      }
      if (!Number.isNaN(declared) && received !== declared) {
        return stop(new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH());
      }
      parts.push(decoder.end());
      const text = parts.join('');
      parts.length = 0;
      void parseJson(request, text, stop);
    };
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onEnd);
  };
}
