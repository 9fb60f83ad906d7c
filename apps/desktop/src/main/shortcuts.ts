// Rebindable global shortcuts (quick question, recapture pinned regions) over an injected port (Electron's
// globalShortcut in the app): checks the accelerator, says which are held by other apps, and never leaves
// an old binding behind or gives one key to two actions.

import {
  DEFAULT_SHORTCUTS,
  SHORTCUT_ACTIONS,
  type ShortcutAction,
  type ShortcutState,
  type ShortcutStatus,
} from '../shared/shortcut-settings';

export { DEFAULT_SHORTCUTS, SHORTCUT_ACTIONS } from '../shared/shortcut-settings';
export type { ShortcutAction, ShortcutState, ShortcutStatus } from '../shared/shortcut-settings';

export interface GlobalShortcutPort {
  /** False when another app holds the accelerator (Electron says no more than that). */
  register(accelerator: string, callback: () => void): boolean;
  unregister(accelerator: string): void;
}

export interface Shortcuts {
  /** Binds each action to its accelerator ('' turns it off) and reports how each one went. */
  apply(bindings: Readonly<Record<ShortcutAction, string>>): ShortcutStatus;
  /** The last result of apply (every action off before the first). */
  status(): ShortcutStatus;
  /** Lets go of every accelerator, e.g. while the trader records a new one. */
  release(): void;
}

type Modifier = 'Command' | 'Control' | 'CommandOrControl' | 'Alt' | 'AltGr' | 'Shift' | 'Super';

const MODIFIERS: Readonly<Record<string, Modifier>> = {
  command: 'Command',
  cmd: 'Command',
  control: 'Control',
  ctrl: 'Control',
  commandorcontrol: 'CommandOrControl',
  cmdorctrl: 'CommandOrControl',
  alt: 'Alt',
  option: 'Alt',
  altgr: 'AltGr',
  shift: 'Shift',
  super: 'Super',
  meta: 'Super',
};

const NAMED_KEYS: Readonly<Record<string, string>> = {
  space: 'Space',
  tab: 'Tab',
  enter: 'Enter',
  return: 'Enter',
  backspace: 'Backspace',
  delete: 'Delete',
  insert: 'Insert',
  home: 'Home',
  end: 'End',
  pageup: 'PageUp',
  pagedown: 'PageDown',
  up: 'Up',
  down: 'Down',
  left: 'Left',
  right: 'Right',
  escape: 'Esc',
  esc: 'Esc',
  plus: 'Plus',
};

// Electron's punctuation keys; "+" itself separates the parts, so that key is spelled Plus.
const PUNCTUATION = new Set([...')!@#$%^&*(:;=<,_->.?/~`{][|\\}"\'']);

const isFunctionKey = (key: string) => /^F([1-9]|1\d|2[0-4])$/.test(key);

/** The key in one spelling (aliases and case folded), or null when Electron has no such key. */
function keyOf(part: string): string | null {
  if (/^[a-z0-9]$/i.test(part)) return part.toUpperCase();
  if (/^f\d{1,2}$/i.test(part) && isFunctionKey(part.toUpperCase())) return part.toUpperCase();
  if (PUNCTUATION.has(part)) return part;
  return NAMED_KEYS[part.toLowerCase()] ?? null;
}

function parseAccelerator(text: string): { modifiers: Modifier[]; key: string } | null {
  if (text === '' || /\s/.test(text)) return null;
  const parts = text.split('+');
  const last = parts.pop() ?? '';
  const key = keyOf(last);
  if (!key) return null;
  const modifiers: Modifier[] = [];
  for (const part of parts) {
    const modifier = MODIFIERS[part.toLowerCase()];
    if (!modifier || modifiers.includes(modifier)) return null;
    modifiers.push(modifier);
  }
  return { modifiers, key };
}

/** Whether Electron's accelerator grammar accepts the text: modifiers, then exactly one key, joined by +. */
export function isValidAccelerator(text: string): boolean {
  return parseAccelerator(text) !== null;
}

/** What a modifier is on this platform: CommandOrControl is ⌘ on macOS and Ctrl elsewhere. */
function resolve(modifier: Modifier, platform: string): Modifier {
  if (modifier === 'CommandOrControl') return platform === 'darwin' ? 'Command' : 'Control';
  if (modifier === 'Super' && platform === 'darwin') return 'Command';
  return modifier;
}

const MAC_SYMBOLS: Readonly<Record<Modifier, string>> = {
  Command: '⌘',
  Control: '⌃',
  CommandOrControl: '⌘',
  Alt: '⌥',
  AltGr: '⌥',
  Shift: '⇧',
  Super: '⌘',
};

/** The accelerator as the trader's keyboard names it, in the order it was written; the text itself if unreadable. */
export function displayAccelerator(text: string, platform: string): string {
  const parsed = parseAccelerator(text.trim());
  if (!parsed) return text.trim();
  if (platform === 'darwin') {
    const key = parsed.key === 'Plus' ? '+' : parsed.key === 'Enter' ? 'Return' : parsed.key;
    return [...parsed.modifiers.map((modifier) => MAC_SYMBOLS[modifier]), key].join('');
  }
  const words: Record<Modifier, string> = {
    Command: 'Cmd',
    Control: 'Ctrl',
    CommandOrControl: 'Ctrl',
    Alt: 'Alt',
    AltGr: 'AltGr',
    Shift: 'Shift',
    Super: platform === 'win32' ? 'Win' : 'Super',
  };
  return [...parsed.modifiers.map((modifier) => words[modifier]), parsed.key].join('+');
}

/** One spelling per key combination on this platform, to tell whether two bindings are the same keys. */
function identityOf(parsed: { modifiers: Modifier[]; key: string }, platform: string): string {
  const modifiers = [...new Set(parsed.modifiers.map((modifier) => resolve(modifier, platform)))].sort();
  return [...modifiers, parsed.key].join('+');
}

const ACTION_NAMES: Readonly<Record<ShortcutAction, string>> = {
  quickQuestion: 'a quick question',
  recapturePinned: 'recapturing pinned regions',
};

// Without Ctrl, Alt, ⌘ or Super a global shortcut would swallow ordinary typing in every other app.
const TYPING_MODIFIERS: readonly Modifier[] = ['Command', 'Control', 'CommandOrControl', 'Alt', 'AltGr', 'Super'];

function offStatus(): ShortcutStatus {
  const off = (): ShortcutState => ({ accelerator: '', label: '', status: 'off' });
  return { quickQuestion: off(), recapturePinned: off() };
}

const copy = (status: ShortcutStatus): ShortcutStatus => ({
  quickQuestion: { ...status.quickQuestion },
  recapturePinned: { ...status.recapturePinned },
});

interface Checked {
  action: ShortcutAction;
  state: ShortcutState;
  /** Set when the binding may be registered: its key combination, one spelling per platform. */
  identity?: string;
}

export function createShortcuts(
  port: GlobalShortcutPort,
  handlers: Readonly<Record<ShortcutAction, () => void>>,
  platform: string,
): Shortcuts {
  /** What this app holds right now, by action: the text it was registered with, and its key identity. */
  const held = new Map<ShortcutAction, { accelerator: string; identity: string }>();
  let last = offStatus();

  const check = (action: ShortcutAction, accelerator: string): Checked => {
    const label = displayAccelerator(accelerator, platform);
    const invalid = (message: string): Checked => ({
      action,
      state: { accelerator, label, status: 'invalid', message },
    });
    if (accelerator === '') return { action, state: { accelerator, label, status: 'off' } };
    const parsed = parseAccelerator(accelerator);
    if (!parsed) {
      const example = displayAccelerator(DEFAULT_SHORTCUTS[action], platform);
      return invalid(
        `“${accelerator}” is not a shortcut: hold one or more modifier keys and press one key, e.g. ${example}.`,
      );
    }
    if (!isFunctionKey(parsed.key) && !parsed.modifiers.some((modifier) => TYPING_MODIFIERS.includes(modifier))) {
      const keys = platform === 'darwin' ? '⌘, ⌃ or ⌥' : 'Ctrl or Alt';
      return invalid(`${label} would take over ordinary typing in every app: add ${keys}.`);
    }
    return { action, state: { accelerator, label, status: 'active' }, identity: identityOf(parsed, platform) };
  };

  /** One combination for two actions: the action already holding it keeps it, else the first listed. */
  const refuseDuplicates = (checked: Checked[]) => {
    const holdsIt = (entry: Checked) => held.get(entry.action)?.identity === entry.identity;
    const owners = new Map<string, ShortcutAction>();
    for (const entry of [...checked.filter(holdsIt), ...checked.filter((entry) => !holdsIt(entry))]) {
      if (!entry.identity) continue;
      const owner = owners.get(entry.identity);
      if (!owner) {
        owners.set(entry.identity, entry.action);
        continue;
      }
      const message = `${entry.state.label} is already the shortcut for ${ACTION_NAMES[owner]}: choose another.`;
      entry.state = { ...entry.state, status: 'invalid', message };
      entry.identity = undefined;
    }
  };

  const release = (action: ShortcutAction) => {
    const holding = held.get(action);
    if (!holding) return;
    port.unregister(holding.accelerator);
    held.delete(action);
  };

  const register = (action: ShortcutAction, state: ShortcutState, identity: string): ShortcutState => {
    if (held.get(action)?.identity === identity) return state;
    let registered: boolean;
    try {
      registered = port.register(state.accelerator, () => handlers[action]());
    } catch {
      // Electron throws for an accelerator it cannot map on this system.
      return { ...state, status: 'invalid', message: `${state.label} cannot be used on this system: choose another.` };
    }
    if (!registered) {
      return { ...state, status: 'taken', message: `${state.label} is held by another app: choose another shortcut.` };
    }
    held.set(action, { accelerator: state.accelerator, identity });
    return state;
  };

  return {
    apply(bindings) {
      const checked = SHORTCUT_ACTIONS.map((action) => check(action, bindings[action].trim()));
      refuseDuplicates(checked);
      // Release before registering, so that swapping two shortcuts works and nothing stale stays bound.
      for (const { action, identity } of checked) if (held.get(action)?.identity !== identity) release(action);

      const next = offStatus();
      for (const { action, state, identity } of checked) {
        next[action] = identity ? register(action, state, identity) : state;
      }
      last = next;
      return copy(last);
    },

    status: () => copy(last),

    release() {
      for (const action of SHORTCUT_ACTIONS) release(action);
      last = offStatus();
    },
  };
}
