// Global shortcuts over a fake globalShortcut that, like the real one, says no when another app holds a
// combination: what the trader is told, rebinding without leaving the old key bound, one key per action.
import { describe, expect, it } from 'vitest';
import {
  createShortcuts,
  DEFAULT_SHORTCUTS,
  displayAccelerator,
  isValidAccelerator,
  type GlobalShortcutPort,
  type ShortcutAction,
} from '../src/main/shortcuts';

/** globalShortcut as Electron behaves: false for a combination held elsewhere (or already registered). */
function fakeGlobalShortcut(takenByOtherApps: string[] = []) {
  const bound = new Map<string, () => void>();
  const log: string[] = [];
  const port: GlobalShortcutPort = {
    register(accelerator, callback) {
      log.push(`register ${accelerator}`);
      if (takenByOtherApps.includes(accelerator) || bound.has(accelerator)) return false;
      bound.set(accelerator, callback);
      return true;
    },
    unregister(accelerator) {
      log.push(`unregister ${accelerator}`);
      bound.delete(accelerator);
    },
  };
  /** The trader presses the combination: true when this app received it. */
  const press = (accelerator: string) => {
    const callback = bound.get(accelerator);
    callback?.();
    return callback !== undefined;
  };
  return { port, log, bound, press, takenByOtherApps };
}

function setup(platform: string, taken: string[] = []) {
  const fake = fakeGlobalShortcut(taken);
  const calls: ShortcutAction[] = [];
  const shortcuts = createShortcuts(
    fake.port,
    { quickQuestion: () => calls.push('quickQuestion'), recapturePinned: () => calls.push('recapturePinned') },
    platform,
  );
  return { ...fake, calls, shortcuts };
}

describe('isValidAccelerator', () => {
  it.each([
    'CommandOrControl+Shift+Space',
    'CmdOrCtrl+Shift+R',
    'Command+Option+K',
    'Ctrl+Alt+Delete',
    'Alt+F4',
    'F12',
    'AltGr+Shift+7',
    'Super+Up',
    'Meta+PageDown',
    'Control+Plus',
    'Ctrl+/',
    'Ctrl+`',
    'shift+ctrl+escape',
    'Ctrl+Esc',
    'Ctrl+Return',
    'Ctrl+Enter',
    'Ctrl+F24',
  ])('accepts %s', (text) => {
    expect(isValidAccelerator(text)).toBe(true);
  });

  it.each([
    '',
    'Ctrl+Shift',
    'Ctrl+A+B',
    'Ctrl++',
    'Ctrl+',
    '+A',
    'Ctrl+Ctrl+A',
    'Cmd+Command+A',
    'Ctrl + A',
    'Hyper+A',
    'Ctrl+F25',
    'Ctrl+F0',
    'Ctrl+Spacebar',
    'A+Ctrl',
  ])('refuses %j', (text) => {
    expect(isValidAccelerator(text)).toBe(false);
  });
});

describe('displayAccelerator', () => {
  it('names the keys as the platform does', () => {
    expect(displayAccelerator('CommandOrControl+Shift+Space', 'darwin')).toBe('⌘⇧Space');
    expect(displayAccelerator('CommandOrControl+Shift+Space', 'linux')).toBe('Ctrl+Shift+Space');
    expect(displayAccelerator('CmdOrCtrl+Shift+Space', 'win32')).toBe('Ctrl+Shift+Space');
    expect(displayAccelerator('Control+Option+r', 'darwin')).toBe('⌃⌥R');
    expect(displayAccelerator('Super+Plus', 'win32')).toBe('Win+Plus');
    expect(displayAccelerator('Super+Plus', 'darwin')).toBe('⌘+');
  });
});

describe('createShortcuts', () => {
  it('registers the defaults, and a press runs its action', () => {
    const { shortcuts, press, calls } = setup('linux');

    expect(shortcuts.apply(DEFAULT_SHORTCUTS)).toEqual({
      quickQuestion: { accelerator: 'CommandOrControl+Shift+Space', label: 'Ctrl+Shift+Space', status: 'active' },
      recapturePinned: { accelerator: 'CommandOrControl+Shift+R', label: 'Ctrl+Shift+R', status: 'active' },
    });
    press('CommandOrControl+Shift+R');
    press('CommandOrControl+Shift+Space');
    expect(calls).toEqual(['recapturePinned', 'quickQuestion']);
  });

  it('says which shortcut another app holds, in the platform’s words', () => {
    const taken = ['CommandOrControl+Shift+Space'];
    expect(setup('win32', taken).shortcuts.apply(DEFAULT_SHORTCUTS).quickQuestion).toEqual({
      accelerator: 'CommandOrControl+Shift+Space',
      label: 'Ctrl+Shift+Space',
      status: 'taken',
      message: 'Ctrl+Shift+Space is held by another app: choose another shortcut.',
    });
    const onMac = setup('darwin', taken).shortcuts.apply(DEFAULT_SHORTCUTS);
    expect(onMac.quickQuestion.message).toBe('⌘⇧Space is held by another app: choose another shortcut.');
    expect(onMac.recapturePinned.status).toBe('active');
  });

  it('takes a shortcut once the other app lets go of it', () => {
    const { shortcuts, takenByOtherApps } = setup('linux', ['CommandOrControl+Shift+Space']);
    expect(shortcuts.apply(DEFAULT_SHORTCUTS).quickQuestion.status).toBe('taken');
    takenByOtherApps.length = 0;
    expect(shortcuts.apply(DEFAULT_SHORTCUTS).quickQuestion.status).toBe('active');
  });

  it('releases the old combination before taking the new one', () => {
    const { shortcuts, log, press, calls } = setup('linux');
    shortcuts.apply(DEFAULT_SHORTCUTS);
    log.length = 0;

    const status = shortcuts.apply({ ...DEFAULT_SHORTCUTS, quickQuestion: 'Alt+Q' });

    expect(status.quickQuestion).toMatchObject({ accelerator: 'Alt+Q', status: 'active' });
    expect(log).toEqual(['unregister CommandOrControl+Shift+Space', 'register Alt+Q']);
    expect(press('CommandOrControl+Shift+Space')).toBe(false);
    press('Alt+Q');
    expect(calls).toEqual(['quickQuestion']);
  });

  it('leaves an unchanged shortcut bound rather than letting go of it for a moment', () => {
    const { shortcuts, log } = setup('linux');
    shortcuts.apply(DEFAULT_SHORTCUTS);
    log.length = 0;
    expect(shortcuts.apply(DEFAULT_SHORTCUTS).quickQuestion.status).toBe('active');
    expect(log).toEqual([]);
  });

  it('swaps two shortcuts', () => {
    const { shortcuts, press, calls } = setup('darwin');
    shortcuts.apply(DEFAULT_SHORTCUTS);
    const swapped = shortcuts.apply({
      quickQuestion: DEFAULT_SHORTCUTS.recapturePinned,
      recapturePinned: DEFAULT_SHORTCUTS.quickQuestion,
    });
    expect([swapped.quickQuestion.status, swapped.recapturePinned.status]).toEqual(['active', 'active']);
    press('CommandOrControl+Shift+R');
    expect(calls).toEqual(['quickQuestion']);
  });

  it('refuses one combination for both actions; the action that holds it keeps it', () => {
    const { shortcuts, press, calls } = setup('linux');
    shortcuts.apply(DEFAULT_SHORTCUTS);

    // Ctrl+Shift+Space is CommandOrControl+Shift+Space on Linux, however it is spelled.
    const status = shortcuts.apply({ ...DEFAULT_SHORTCUTS, recapturePinned: 'Ctrl+Shift+Space' });

    expect(status.quickQuestion.status).toBe('active');
    expect(status.recapturePinned).toEqual({
      accelerator: 'Ctrl+Shift+Space',
      label: 'Ctrl+Shift+Space',
      status: 'invalid',
      message: 'Ctrl+Shift+Space is already the shortcut for a quick question: choose another.',
    });
    expect(press('CommandOrControl+Shift+R')).toBe(false);
    press('CommandOrControl+Shift+Space');
    expect(calls).toEqual(['quickQuestion']);

    // On a Mac, CommandOrControl is ⌘, so ⌃⇧Space is another combination.
    const mac = setup('darwin').shortcuts.apply({ ...DEFAULT_SHORTCUTS, recapturePinned: 'Ctrl+Shift+Space' });
    expect(mac.recapturePinned.status).toBe('active');
  });

  it('turns an action off with an empty binding, letting go of its key', () => {
    const { shortcuts, press } = setup('linux');
    shortcuts.apply(DEFAULT_SHORTCUTS);
    const status = shortcuts.apply({ ...DEFAULT_SHORTCUTS, recapturePinned: '  ' });
    expect(status.recapturePinned).toEqual({ accelerator: '', label: '', status: 'off' });
    expect(press('CommandOrControl+Shift+R')).toBe(false);
    expect(shortcuts.status()).toEqual(status);
  });

  it('refuses what is not a shortcut, or would swallow ordinary typing, and binds nothing for it', () => {
    const { shortcuts, bound } = setup('linux');
    const status = shortcuts.apply({ quickQuestion: 'Ctrl+Shift', recapturePinned: 'Shift+R' });
    expect(status.quickQuestion).toMatchObject({
      status: 'invalid',
      message:
        '“Ctrl+Shift” is not a shortcut: hold one or more modifier keys and press one key, e.g. Ctrl+Shift+Space.',
    });
    expect(status.recapturePinned).toMatchObject({
      status: 'invalid',
      message: 'Shift+R would take over ordinary typing in every app: add Ctrl or Alt.',
    });
    expect(bound.size).toBe(0);
    expect(shortcuts.apply({ quickQuestion: 'F9', recapturePinned: '' }).quickQuestion.status).toBe('active');
  });

  it('reports a combination Electron cannot map here as invalid', () => {
    const { shortcuts } = setup('linux');
    const throwing = createShortcuts(
      {
        register: () => {
          throw new Error('Failed to parse accelerator');
        },
        unregister: () => undefined,
      },
      { quickQuestion: () => undefined, recapturePinned: () => undefined },
      'linux',
    );
    expect(throwing.apply(DEFAULT_SHORTCUTS).quickQuestion).toMatchObject({
      status: 'invalid',
      message: 'Ctrl+Shift+Space cannot be used on this system: choose another.',
    });
    expect(shortcuts.status().quickQuestion.status).toBe('off');
  });

  it('lets go of everything on release, and takes it back on the next apply', () => {
    const { shortcuts, bound } = setup('linux');
    shortcuts.apply(DEFAULT_SHORTCUTS);
    shortcuts.release();
    expect(bound.size).toBe(0);
    expect(shortcuts.status().quickQuestion.status).toBe('off');
    shortcuts.apply(DEFAULT_SHORTCUTS);
    expect(bound.size).toBe(2);
  });
});
