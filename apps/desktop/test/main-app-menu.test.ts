// The production app menu: no Reload and no developer tools unless STRAT_COACH_DEBUG=1; editing keys work
// (macOS needs the Edit menu for ⌘C / ⌘V); Help opens the logs folder and copies the diagnostics; a
// downloaded update offers "Restart to update".
import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { appMenuTemplate, debugEnabled, refusedDebugSwitch } from '../src/main/app-menu';
import type { TrayCommand } from '../src/main/tray-menu';

/** Every item of the template, depth first. */
function flatten(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? flatten(item.submenu) : [])]);
}
const roles = (items: MenuItemConstructorOptions[]) => flatten(items).flatMap((item) => (item.role ? [item.role] : []));
const labelled = (items: MenuItemConstructorOptions[], label: string) =>
  flatten(items).find((item) => item.label === label);

const DEVELOPER_ROLES = ['reload', 'forceReload', 'toggleDevTools'];
const noCommand = () => undefined;

describe('the app menu', () => {
  it.each(['darwin', 'win32', 'linux'])('on %s has no Reload or DevTools by default', (platform) => {
    const menu = appMenuTemplate({ platform, debug: false, update: null }, noCommand);
    for (const role of DEVELOPER_ROLES) expect(roles(menu)).not.toContain(role);
    // Nor a default menu that would bring them back (viewMenu is Electron's, with Reload and DevTools).
    expect(roles(menu)).not.toContain('viewMenu');
    expect(roles(menu)).toEqual(expect.arrayContaining(['copy', 'paste', 'undo', 'selectAll', 'quit']));
  });

  it('has Reload and DevTools only with STRAT_COACH_DEBUG=1, and never in a packaged app', () => {
    expect(debugEnabled({ STRAT_COACH_DEBUG: '1' }, false)).toBe(true);
    expect(debugEnabled({ STRAT_COACH_DEBUG: '1' }, true)).toBe(false);
    for (const value of [undefined, '', '0', 'true', 'yes'])
      expect(debugEnabled({ STRAT_COACH_DEBUG: value }, false)).toBe(false);
    const menu = appMenuTemplate({ platform: 'linux', debug: true, update: null }, noCommand);
    expect(roles(menu)).toEqual(expect.arrayContaining(DEVELOPER_ROLES));
  });

  it('a packaged app refuses to start with a remote-debugging switch; a development run keeps it', () => {
    const startedWith =
      (...switches: string[]) =>
      (name: string) =>
        switches.includes(name);
    expect(refusedDebugSwitch(startedWith('remote-debugging-port'), true)).toBe('remote-debugging-port');
    expect(refusedDebugSwitch(startedWith('remote-debugging-pipe'), true)).toBe('remote-debugging-pipe');
    expect(refusedDebugSwitch(startedWith('quick-question'), true)).toBeNull();
    // Playwright's _electron drives an unpackaged build through this switch.
    expect(refusedDebugSwitch(startedWith('remote-debugging-port'), false)).toBeNull();
  });

  it('Help opens the logs folder and copies the diagnostics', () => {
    const ran: TrayCommand[] = [];
    const menu = appMenuTemplate({ platform: 'win32', debug: false, update: null }, (command) => ran.push(command));
    const help = menu.find((item) => item.role === 'help');
    expect((help?.submenu as MenuItemConstructorOptions[]).map((item) => item.label)).toEqual([
      'Open logs folder',
      'Copy diagnostics',
    ]);
    const click = (label: string) => (labelled(menu, label)?.click as () => void)();
    click('Open logs folder');
    click('Copy diagnostics');
    expect(ran).toEqual([{ kind: 'open-logs' }, { kind: 'copy-diagnostics' }]);
  });

  it('offers "Restart to update" in the app menu once an update is downloaded', () => {
    const ran: TrayCommand[] = [];
    for (const platform of ['darwin', 'linux']) {
      const menu = appMenuTemplate(
        { platform, debug: false, update: { version: '1.5.0', waitingForAnswer: false } },
        (command) => ran.push(command),
      );
      (labelled(menu, 'Restart to update (1.5.0)')?.click as () => void)();
    }
    expect(ran).toEqual([{ kind: 'restart-to-update' }, { kind: 'restart-to-update' }]);
    const none = appMenuTemplate({ platform: 'darwin', debug: false, update: null }, noCommand);
    expect(flatten(none).some((item) => item.label?.includes('update'))).toBe(false);
  });
});
