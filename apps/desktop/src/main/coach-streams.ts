// Coaching answers streamed by main for the renderer: one server stream per `ask`, each event forwarded
// under the stream id the preload chose, an `end` message last, and cancel through an AbortController.
import type { ChatStreamRequest } from '@strat-coach/server/contract';
import type { CoachClient, StreamOutcome } from '../shared/coach-client';
import type { AnswerEnd } from '../shared/usage-after-answer';
import { STREAM_ID_PATTERN, type CoachStreamMessage } from '../shared/ipc-channels';
import { describeError, type Logger } from './log';

/** Where a stream's messages go: the renderer that asked (webContents.send on `coach:stream`). */
export interface StreamTarget {
  send(message: CoachStreamMessage): void;
  /** True once the renderer is gone: the stream is then cancelled, so the server stops the upstream call. */
  isGone(): boolean;
}

export interface CoachStreams {
  /** Starts the answer; throws for a malformed or reused stream id. Messages follow on `target`. */
  start(streamId: string, request: ChatStreamRequest, target: StreamTarget): void;
  cancel(streamId: string): void;
  cancelAll(): void;
  readonly active: number;
}

export function createCoachStreams(options: {
  client: CoachClient;
  log: Logger;
  /** After every stream, however it ended (the tray reads the quota). */
  onFinished?: (end: AnswerEnd) => void;
}): CoachStreams {
  const running = new Map<string, AbortController>();

  return {
    start(streamId, request, target) {
      if (!STREAM_ID_PATTERN.test(streamId)) throw new Error('malformed stream id');
      if (running.has(streamId)) throw new Error('stream id already in use');
      const abort = new AbortController();
      running.set(streamId, abort);
      const forward = (message: CoachStreamMessage) => {
        if (target.isGone()) abort.abort();
        else target.send(message);
      };
      let requestId: string | null = null;
      const finish = (outcome: StreamOutcome | 'crashed') => {
        running.delete(streamId);
        forward({ streamId, kind: 'end' });
        options.onFinished?.({ outcome, requestId });
      };
      void options.client
        .streamChat(
          request,
          {
            onEvent: (event) => {
              if (event.event === 'stream_start') requestId = event.data.requestId;
              forward({ streamId, kind: 'event', event });
            },
            onError: (error) => forward({ streamId, kind: 'error', error }),
          },
          abort.signal,
        )
        .then(finish, (error: unknown) => {
          options.log.error('coach stream crashed', { error: describeError(error) });
          forward({
            streamId,
            kind: 'error',
            error: { code: 'internal', message: 'The answer failed inside the app. Try again.', status: null },
          });
          finish('crashed');
        });
    },

    cancel(streamId) {
      running.get(streamId)?.abort();
    },

    cancelAll() {
      for (const abort of running.values()) abort.abort();
    },

    get active() {
      return running.size;
    },
  };
}
