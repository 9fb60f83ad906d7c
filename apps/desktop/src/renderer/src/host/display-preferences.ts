// How the window draws things, kept in this window's own storage (localStorage, in Electron's app:// origin
// as in the browser): a preference of the screen, not the trader's data, so it stays through a sign-out.
// Today: whether the bar numbers are drawn over charts (on unless switched off).
import type { HostResult } from '../shared';

const BAR_NUMBERS_KEY = 'strat-coach:bar-numbers';

/** localStorage, or null where the browser blocks it (reading the property itself can throw). */
function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

/** Whether the bar numbers are drawn: true unless the trader switched them off (anything unreadable: on). */
export function barNumbersShown(): boolean {
  try {
    return storage()?.getItem(BAR_NUMBERS_KEY) !== 'off';
  } catch {
    return true;
  }
}

export function saveBarNumbersShown(shown: boolean): HostResult<boolean> {
  try {
    const kept = storage();
    if (!kept) throw new Error('no storage');
    kept.setItem(BAR_NUMBERS_KEY, shown ? 'on' : 'off');
    return { ok: true, value: shown };
  } catch {
    return {
      ok: false,
      error: { code: 'settings_not_saved', message: 'This window would not keep the setting.', status: null },
    };
  }
}
