// The app menu of a production build, as Electron's template: editing, zoom, window and Help with "Open logs
// folder" and "Copy diagnostics" (and "Restart to update" once one is downloaded). Reload and the developer
// tools only with STRAT_COACH_DEBUG=1 in a development run: Electron's default menu would give any user both.
import type { MenuItemConstructorOptions } from 'electron';
import type { UpdateOffer } from '../shared/host-api';
import { supportItems, updateItem, type TrayCommand, type TrayMenuEntry } from './tray-menu';

export const DEBUG_VARIABLE = 'STRAT_COACH_DEBUG';

/**
 * True only for STRAT_COACH_DEBUG=1, and never in a packaged app: the developer tools hold `window.coach`, so whoever
 * could relaunch the trader's app with the variable set could capture the screen through it (on macOS, with the
 * Screen Recording permission the trader gave Strat Coach) and ask the server as the trader.
 */
export const debugEnabled = (environment: Record<string, string | undefined>, packaged: boolean): boolean =>
  !packaged && environment[DEBUG_VARIABLE] === '1';

/**
 * Chromium's switches that let another process drive the app's pages (the DevTools protocol). The fuses turn off
 * Node's --inspect (electron-builder.yml); no fuse covers these, so a packaged app refuses to start with them.
 */
const REMOTE_DEBUGGING_SWITCHES = ['remote-debugging-port', 'remote-debugging-pipe'] as const;

/** The remote-debugging switch a packaged app was started with, which it must refuse; null when none. */
export function refusedDebugSwitch(hasSwitch: (name: string) => boolean, packaged: boolean): string | null {
  if (!packaged) return null;
  return REMOTE_DEBUGGING_SWITCHES.find((name) => hasSwitch(name)) ?? null;
}

/** Our menu lines (tray-menu.ts) as Electron's template items, each click running its command. */
export function menuItems(entries: TrayMenuEntry[], run: (command: TrayCommand) => void): MenuItemConstructorOptions[] {
  return entries.map((entry): MenuItemConstructorOptions => {
    if (entry.type === 'separator') return { type: 'separator' };
    const { command } = entry;
    return {
      label: entry.label,
      enabled: entry.enabled,
      ...(entry.accelerator ? { accelerator: entry.accelerator } : {}),
      ...(command ? { click: () => run(command) } : {}),
    };
  });
}

export interface AppMenuState {
  platform: string;
  debug: boolean;
  update: UpdateOffer | null;
}

export function appMenuTemplate(
  state: AppMenuState,
  run: (command: TrayCommand) => void,
): MenuItemConstructorOptions[] {
  const mac = state.platform === 'darwin';
  const update = menuItems(updateItem(state.update), run);
  const debugItems: MenuItemConstructorOptions[] = state.debug
    ? [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' }]
    : [];
  const appMenu: MenuItemConstructorOptions[] = mac
    ? [
        {
          label: 'Strat Coach',
          submenu: [
            { role: 'about' },
            ...update,
            { type: 'separator' },
            { role: 'hide' },
            { role: 'hideOthers' },
            { role: 'unhide' },
            { type: 'separator' },
            { role: 'quit' },
          ],
        },
      ]
    : [
        {
          label: '&File',
          submenu: [
            ...update,
            ...(update.length > 0 ? [{ type: 'separator' as const }] : []),
            { role: 'close' },
            { role: 'quit' },
          ],
        },
      ];
  return [
    ...appMenu,
    {
      label: mac ? 'Edit' : '&Edit',
      submenu: [
        { role: 'undo' },
        { role: 'redo' },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
      ],
    },
    {
      label: mac ? 'View' : '&View',
      submenu: [
        ...debugItems,
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    { role: 'help', submenu: menuItems(supportItems(), run) },
  ];
}
