// The tray menu as data: which lines it has, which are enabled and what each one asks of the app (a preset
// question, an open question, recapturing the pinned regions …). tray.ts only turns it into Electron's menu.
import type { SessionState, UpdateOffer } from '../shared/host-api';
import type { Preset } from '../shared/presets';
import { SHORTCUT_ACTIONS, type ShortcutAction, type ShortcutStatus } from '../shared/shortcut-settings';
import type { MeterView } from './usage-meter';

export type TrayCommand =
  | { kind: 'quick-question'; presetId: string | null }
  | { kind: 'recapture-pinned' }
  | { kind: 'show' }
  | { kind: 'sign-in' }
  | { kind: 'sign-out' }
  | { kind: 'restart-to-update' }
  | { kind: 'open-logs' }
  | { kind: 'copy-diagnostics' }
  | { kind: 'quit' };

export type TrayMenuEntry =
  | { type: 'separator' }
  | { type: 'item'; label: string; enabled: boolean; command?: TrayCommand; accelerator?: string };

export interface TrayState {
  view: MeterView;
  session: SessionState;
  presets: readonly Preset[];
  pinnedCount: number;
  shortcuts: ShortcutStatus;
  platform: string;
  /** A downloaded update: "Restart to update" (or, asked mid-answer, that it restarts after the answer). */
  update: UpdateOffer | null;
}

const SHORTCUT_NAMES: Readonly<Record<ShortcutAction, string>> = {
  quickQuestion: 'Quick question',
  recapturePinned: 'Recapture pinned regions',
};

const separator: TrayMenuEntry = { type: 'separator' };

/** Windows and Linux menus read "&" as a mnemonic marker: a preset called "Trigger & stop" must keep it. */
const menuText = (text: string, platform: string) => (platform === 'darwin' ? text : text.replaceAll('&', '&&'));

const item = (
  label: string,
  command: TrayCommand | null,
  extra: Partial<Extract<TrayMenuEntry, { type: 'item' }>> = {},
) => ({ type: 'item', label, enabled: command !== null, ...(command ? { command } : {}), ...extra }) as TrayMenuEntry;

/** The shortcut's keys beside its menu item, while this app holds them. */
function acceleratorOf(shortcuts: ShortcutStatus, action: ShortcutAction): { accelerator?: string } {
  const state = shortcuts[action];
  return state.status === 'active' ? { accelerator: state.accelerator } : {};
}

/** A disabled line per shortcut that does not work, so the trader knows why the keys do nothing. */
function shortcutProblems(shortcuts: ShortcutStatus): TrayMenuEntry[] {
  return SHORTCUT_ACTIONS.flatMap((action) => {
    const { status, label } = shortcuts[action];
    const name = `${SHORTCUT_NAMES[action]} shortcut ${label}`;
    if (status === 'taken') return [item(`${name} is taken by another app — change it in Settings`, null)];
    if (status === 'invalid') return [item(`${name} cannot be used — change it in Settings`, null)];
    return [];
  });
}

/** The update line of the tray and the app menu: offered once downloaded; greyed while it waits for an answer. */
export function updateItem(update: UpdateOffer | null): TrayMenuEntry[] {
  if (!update) return [];
  return update.waitingForAnswer
    ? [item(`Restarting to update to ${update.version} after the answer…`, null)]
    : [item(`Restart to update (${update.version})`, { kind: 'restart-to-update' })];
}

/** Help for a bug report: the log folder, and the diagnostics on the clipboard (never a token). */
export const supportItems = (): TrayMenuEntry[] => [
  item('Open logs folder', { kind: 'open-logs' }),
  item('Copy diagnostics', { kind: 'copy-diagnostics' }),
];

export function trayMenu(state: TrayState): TrayMenuEntry[] {
  const { view, session, presets, pinnedCount, shortcuts, platform, update } = state;
  const updateLines = updateItem(update);
  // Offline keeps the session (it reconnects by itself): what the trader can do with it is sign out.
  const signedIn = session.status === 'signed_in' || session.status === 'offline';
  const presetItems = presets.map((preset) =>
    item(menuText(preset.title, platform), { kind: 'quick-question', presetId: preset.id }),
  );
  return [
    ...(view.plan ? [item(view.plan, null)] : []),
    item(view.label, null),
    separator,
    ...presetItems,
    ...(presetItems.length > 0 ? [separator] : []),
    item('Ask a question…', { kind: 'quick-question', presetId: null }, acceleratorOf(shortcuts, 'quickQuestion')),
    item(
      'Recapture pinned regions',
      pinnedCount > 0 ? { kind: 'recapture-pinned' } : null,
      acceleratorOf(shortcuts, 'recapturePinned'),
    ),
    ...shortcutProblems(shortcuts),
    separator,
    item('Show Strat Coach', { kind: 'show' }),
    ...updateLines,
    separator,
    signedIn
      ? item('Sign out', { kind: 'sign-out' })
      : item('Sign in…', { kind: 'sign-in' }, { enabled: session.status !== 'signing_in' }),
    separator,
    ...supportItems(),
    separator,
    item('Quit Strat Coach', { kind: 'quit' }),
  ];
}

/** Beside the gauge in the macOS menu bar: the quota used, as the meter words it. Elsewhere trays have no title. */
export const trayTitle = (view: MeterView, platform: string): string =>
  platform === 'darwin' ? (view.percentText ?? '') : '';
