// When to look for an update, when to offer it, and what "Restart to update" does while an answer streams.
// Pure: updater.ts feeds it electron-updater's events, the clock and the number of streaming answers, and
// carries out the actions it returns (check, install); the tray and the window show its `offer`.
import type { UpdateOffer } from '../shared/host-api';

/** A check at start, then every 6 hours while the app runs. */
export const CHECK_EVERY_MS = 6 * 60 * 60 * 1000;

export type UpdatePhase =
  | { kind: 'idle' }
  | { kind: 'checking' }
  /** Found and downloading in the background: nothing to offer yet. */
  | { kind: 'downloading'; version: string }
  /** Downloaded: "Restart to update" is offered. */
  | { kind: 'ready'; version: string }
  /** The trader asked to restart while an answer was streaming: it happens when the last one ends. */
  | { kind: 'restart-after-answer'; version: string };

export interface UpdateState {
  phase: UpdatePhase;
  lastCheckAt: number | null;
  /** Answers streaming now: a restart never cuts one off. */
  streaming: number;
}

export type UpdateEvent =
  | { kind: 'tick'; now: number }
  | { kind: 'no-update' }
  | { kind: 'available'; version: string }
  | { kind: 'downloaded'; version: string }
  | { kind: 'failed' }
  | { kind: 'streams'; count: number }
  | { kind: 'restart-requested' };

export type UpdateAction = { kind: 'check' } | { kind: 'install' };

export const initialUpdateState: UpdateState = { phase: { kind: 'idle' }, lastCheckAt: null, streaming: 0 };

export interface UpdateStep {
  state: UpdateState;
  actions: UpdateAction[];
}

const stay = (state: UpdateState): UpdateStep => ({ state, actions: [] });

/** True when a check is due: never checked, or 6 hours since the last one, and nothing under way or waiting. */
export function checkIsDue(state: UpdateState, now: number): boolean {
  if (state.phase.kind !== 'idle') return false;
  return state.lastCheckAt === null || now - state.lastCheckAt >= CHECK_EVERY_MS;
}

export function nextUpdateStep(state: UpdateState, event: UpdateEvent): UpdateStep {
  const { phase } = state;
  switch (event.kind) {
    case 'tick':
      return checkIsDue(state, event.now)
        ? { state: { ...state, phase: { kind: 'checking' }, lastCheckAt: event.now }, actions: [{ kind: 'check' }] }
        : stay(state);
    case 'no-update':
    case 'failed':
      // A failed check or download is tried again at the next due check, never in a loop.
      return phase.kind === 'checking' || phase.kind === 'downloading'
        ? stay({ ...state, phase: { kind: 'idle' } })
        : stay(state);
    case 'available':
      return phase.kind === 'checking'
        ? stay({ ...state, phase: { kind: 'downloading', version: event.version } })
        : stay(state);
    case 'downloaded':
      if (phase.kind === 'restart-after-answer') return stay(state);
      return stay({ ...state, phase: { kind: 'ready', version: event.version } });
    case 'streams': {
      const next = { ...state, streaming: event.count };
      if (phase.kind === 'restart-after-answer' && event.count === 0)
        return { state: next, actions: [{ kind: 'install' }] };
      return stay(next);
    }
    case 'restart-requested':
      if (phase.kind !== 'ready') return stay(state);
      if (state.streaming > 0)
        return stay({ ...state, phase: { kind: 'restart-after-answer', version: phase.version } });
      return { state, actions: [{ kind: 'install' }] };
  }
}

export function updateOffer(state: UpdateState): UpdateOffer | null {
  const { phase } = state;
  if (phase.kind === 'ready') return { version: phase.version, waitingForAnswer: false };
  if (phase.kind === 'restart-after-answer') return { version: phase.version, waitingForAnswer: true };
  return null;
}
