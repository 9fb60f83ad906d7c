// The coach client as a signed-in trader uses it, in main and in the web host: every request carries the
// session's access token, and a 401 gets one silent refresh and one more try; a second 401 ends the session
// (signed out, and Sign in then runs a new sign-in). A 401 is answered before any stream opens, so asking
// again spends nothing.
import type { ChatStreamRequest, CoachEvent } from '@strat-coach/server/contract';
import { createCoachClient, type CoachClient, type StoredBytes, type StreamOutcome } from '../coach-client';
import type { HostError, HostResult } from '../host-api';
import type { AuthSession } from './session';

export function createSessionClient(options: {
  baseUrl: string;
  session: Pick<AuthSession, 'accessToken' | 'recover' | 'end'>;
  fetch?: typeof fetch;
}): CoachClient {
  const { session } = options;

  /** One attempt with its own client, so the token this request carried is known when it is refused. */
  async function attempt<T>(run: (client: CoachClient) => Promise<T>): Promise<{ result: T; sent: string | null }> {
    let sent: string | null = null;
    const client = createCoachClient({
      baseUrl: options.baseUrl,
      accessToken: async () => (sent = await session.accessToken()),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    return { result: await run(client), sent };
  }

  /** Runs `call`; on a 401 recovers once and runs it again; a 401 after that ends the session. */
  async function withRecovery<T>(
    call: (client: CoachClient) => Promise<T>,
    rejected: (result: T) => boolean,
  ): Promise<T> {
    const first = await attempt(call);
    if (!rejected(first.result) || first.sent === null) return first.result;
    if (!(await session.recover(first.sent))) return first.result;
    const second = await attempt(call);
    if (rejected(second.result)) await session.end();
    return second.result;
  }

  return {
    get<T>(path: string, signal?: AbortSignal): Promise<HostResult<T>> {
      return withRecovery(
        (client) => client.get<T>(path, signal),
        (result) => !result.ok && result.error.status === 401,
      );
    },

    getBytes(path: string, signal?: AbortSignal): Promise<HostResult<StoredBytes>> {
      return withRecovery(
        (client) => client.getBytes(path, signal),
        (result) => !result.ok && result.error.status === 401,
      );
    },

    send<T>(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<HostResult<T>> {
      return withRecovery(
        (client) => client.send<T>(method, path, body),
        (result) => !result.ok && result.error.status === 401,
      );
    },

    async streamChat(
      request: ChatStreamRequest,
      handlers: { onEvent(event: CoachEvent): void; onError(error: HostError): void },
      signal?: AbortSignal,
    ): Promise<StreamOutcome> {
      // The refusal is held back until it is known whether the request is asked again.
      let refusal: HostError | null = null;
      const outcome = await withRecovery(
        (client) => {
          refusal = null;
          return client.streamChat(
            request,
            { onEvent: (event) => handlers.onEvent(event), onError: (error) => (refusal = error) },
            signal,
          );
        },
        (result) => result === 'refused' && refusal?.status === 401 && !signal?.aborted,
      );
      // Typed through a cast: TypeScript cannot see the callback above assign it.
      const final = refusal as HostError | null;
      if (final) handlers.onError(final);
      return outcome;
    },
  };
}
