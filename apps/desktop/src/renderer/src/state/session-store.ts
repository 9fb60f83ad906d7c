// Who is signed in, as the host reports it. The host owns the tokens; this store only mirrors the state.
import { create } from 'zustand';
import { host } from '../host';
import type { SessionState } from '../shared';

interface SessionStore {
  session: SessionState;
  /** False until the host has answered: a sign-in redirect may still be finishing. */
  ready: boolean;
  start: () => Promise<void>;
  signIn: () => Promise<void>;
  signOut: () => Promise<void>;
  reset: () => void;
}

const initial = { session: { status: 'signed_out' } as SessionState, ready: false };
let stopListening: (() => void) | null = null;

export const useSessionStore = create<SessionStore>()((set) => ({
  ...initial,

  async start() {
    stopListening?.();
    stopListening = host().session.onChange((session) => set({ session, ready: true }));
    set({ session: await host().session.get(), ready: true });
  },

  async signIn() {
    set({ session: { status: 'signing_in' } });
    set({ session: await host().session.signIn() });
  },

  async signOut() {
    await host().session.signOut();
    set({ session: { status: 'signed_out' } });
  },

  reset() {
    stopListening?.();
    stopListening = null;
    set(initial);
  },
}));
