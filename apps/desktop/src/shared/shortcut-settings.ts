// The global shortcuts the trader can rebind, their defaults, and how each binding stands: shared by main
// (which binds them) and the renderer (whose settings panel shows and edits them).
export const SHORTCUT_ACTIONS = ['quickQuestion', 'recapturePinned'] as const;
export type ShortcutAction = (typeof SHORTCUT_ACTIONS)[number];

export const DEFAULT_SHORTCUTS: Readonly<Record<ShortcutAction, string>> = {
  quickQuestion: 'CommandOrControl+Shift+Space',
  recapturePinned: 'CommandOrControl+Shift+R',
};

export interface ShortcutState {
  accelerator: string;
  /** The accelerator in the platform's words: ⌘⇧Space on macOS, Ctrl+Shift+Space elsewhere. */
  label: string;
  status: 'active' | 'taken' | 'invalid' | 'off';
  message?: string;
}

export type ShortcutStatus = Record<ShortcutAction, ShortcutState>;
