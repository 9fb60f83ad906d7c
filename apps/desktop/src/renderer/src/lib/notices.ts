// What the trader is told when the server refuses a question (or cannot be reached): one notice per
// contract error code, carrying what the window needs to show it (the wait, the quota numbers).
import type { Quota } from '@strat-coach/server/contract';
import type { HostError } from '../shared';

export type Notice =
  | { kind: 'offline'; message: string }
  | { kind: 'unconfigured'; message: string }
  /** No Anthropic key, and the server answers from its local chart reader alone: said, not refused. */
  | { kind: 'local_reader'; message: string }
  | { kind: 'rate_limited'; message: string; until: number; window: 'minute' | 'hour' | null }
  /** Refused for now, not for the trader's rate: answers already streaming (429), or a server near its limit (503). */
  | { kind: 'busy'; code: 'too_many_streams' | 'busy'; message: string; until: number }
  | { kind: 'quota_exceeded'; message: string; quota: Quota | null; heldTokens: number }
  | { kind: 'signed_out'; message: string }
  | { kind: 'error'; message: string; code: string };

export const OFFLINE_MESSAGE = 'The coach server cannot be reached. Check that it is running, then try again.';
/** When the server names no reason: a server without a key answers from the local reader instead. */
export const UNCONFIGURED_MESSAGE =
  'Coaching is not configured correctly on this server: its administrator must fix its Anthropic settings.';
/** The window's banner on a server without a key, which answers from the local chart reader alone. */
export const LOCAL_READER_MESSAGE =
  'No API key on this server: answers are the local chart reader’s bar numbers, not coaching. To enable the coach, the administrator must set ANTHROPIC_API_KEY and restart the server.';
/** On an answer the local chart reader wrote. */
export const LOCAL_READER_ANSWER =
  'Answered by the local chart reader — no AI model is configured on this server. Set ANTHROPIC_API_KEY on the server to enable the coach.';

const isQuota = (value: unknown): value is Quota =>
  typeof value === 'object' && value !== null && typeof (value as { used?: unknown }).used === 'number';

/** The server's message ends with "Try again in 42 s." (or "Ask again in …"); the window counts down instead. */
const withoutWait = (message: string): string => message.replace(/\s*(Try|Ask) again in [^.]*\.?\s*$/, '');

/** When the server names no wait: a slot frees as an answer ends, memory as requests finish. */
const DEFAULT_BUSY_WAIT_MS = 5_000;

export function noticeFor(error: HostError, now: number): Notice {
  switch (error.code) {
    case 'offline':
      return { kind: 'offline', message: OFFLINE_MESSAGE };
    case 'upstream_unconfigured':
      // The server says why (its model was retired, say): only its administrator can fix it.
      return { kind: 'unconfigured', message: error.message || UNCONFIGURED_MESSAGE };
    case 'rate_limited': {
      const window = error.details?.window;
      return {
        kind: 'rate_limited',
        message: withoutWait(error.message),
        until: now + (error.retryAfterMs ?? 60_000),
        window: window === 'minute' || window === 'hour' ? window : null,
      };
    }
    case 'too_many_streams':
    case 'busy':
      return {
        kind: 'busy',
        code: error.code,
        message: withoutWait(error.message),
        until: now + (error.retryAfterMs ?? DEFAULT_BUSY_WAIT_MS),
      };
    case 'quota_exceeded': {
      const quota = error.details?.quota;
      const held = error.details?.heldTokens;
      return {
        kind: 'quota_exceeded',
        message: error.message,
        quota: isQuota(quota) ? quota : null,
        // Held by the trader's other answers still coming: back (less what they use) as those end.
        heldTokens: typeof held === 'number' && Number.isInteger(held) && held > 0 ? held : 0,
      };
    }
    case 'unauthorized':
    case 'token_missing':
    case 'token_invalid':
    case 'token_expired':
      return { kind: 'signed_out', message: 'Your session has ended. Sign in again.' };
    default:
      return { kind: 'error', message: error.message, code: error.code };
  }
}
