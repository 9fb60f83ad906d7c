// What the Electron specs read and drive in the main process and the pages: the crop overlay window, the
// tray menu (recorded as main builds it), the pushes the coach window hears, and a capture left pending in
// the page while the trader crops.
// window.coach's and window.coachCrop's types (globals declared by the contract).
import type {} from '@strat-coach/desktop/src/shared/host-api';
import type { CapturedChart, HostResult } from '@strat-coach/desktop/src/shared/host-api';
import type { ElectronApplication, Page } from '@playwright/test';
import { expect } from './fixtures';

/** A 1×1 PNG: what a crop page could send back as the encoded chart. */
export const PNG_1X1 = {
  mediaType: 'image/png' as const,
  data: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  width: 1,
  height: 1,
};

/** The crop overlay's page, once its window has loaded `#crop`. */
export async function cropPage(app: ElectronApplication): Promise<Page> {
  const find = () => app.windows().find((page) => page.url().endsWith('#crop'));
  await expect.poll(() => find() !== undefined, { message: 'the crop window opens' }).toBe(true);
  const page = find()!;
  await page.waitForLoadState('domcontentloaded');
  return page;
}

/** Where the crop window is and how it is set up, read in main. */
export const cropWindowState = (app: ElectronApplication) =>
  app.evaluate(({ BrowserWindow }) => {
    const crop = BrowserWindow.getAllWindows().find((window) => window.webContents.getURL().endsWith('#crop'));
    if (!crop) return null;
    return {
      bounds: crop.getBounds(),
      alwaysOnTop: crop.isAlwaysOnTop(),
      visible: crop.isVisible(),
      resizable: crop.isResizable(),
      contentProtected: crop.isContentProtected(),
    };
  });

export const windowCount = (app: ElectronApplication) =>
  app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length);

interface PendingCapture {
  stratCoachPendingChart?: Promise<HostResult<CapturedChart>>;
}

/** Starts capture.chart in the coach page without waiting: it resolves only when the crop ends. */
export async function startChartCapture(page: Page, sourceId?: string): Promise<void> {
  await page.evaluate((id) => {
    (window as unknown as PendingCapture).stratCoachPendingChart = window.coach!.capture.chart(id ?? undefined);
  }, sourceId ?? null);
}

export const pendingChart = (page: Page): Promise<HostResult<CapturedChart>> =>
  page.evaluate(() => (window as unknown as PendingCapture).stratCoachPendingChart!);

interface PushRecorder {
  stratCoachPushes: string[];
}

/** Records, in the coach page, what the tray or a shortcut asks it: "quick-question:<id|null>", "recapture". */
export async function recordPushes(page: Page): Promise<void> {
  await page.evaluate(() => {
    const recorder = window as unknown as PushRecorder;
    recorder.stratCoachPushes = [];
    window.coach!.app.onQuickQuestion((presetId) => recorder.stratCoachPushes.push(`quick-question:${presetId}`));
    window.coach!.app.onRecapturePinned(() => recorder.stratCoachPushes.push('recapture'));
  });
}

export const pushes = (page: Page): Promise<string[]> =>
  page.evaluate(() => (window as unknown as PushRecorder).stratCoachPushes);

export interface TrayLine {
  label: string;
  enabled: boolean;
  type: string;
}

/**
 * Records each menu and title main gives the tray from now on. Electron cannot list trays, so the specs
 * read the tray the way main fills it: through Tray's own setContextMenu and setTitle.
 */
export async function recordTray(app: ElectronApplication): Promise<void> {
  await app.evaluate(({ Tray }) => {
    const recorder = globalThis as unknown as { stratCoachTrayMenus: unknown[]; stratCoachTrayTitles: string[] };
    recorder.stratCoachTrayMenus = [];
    recorder.stratCoachTrayTitles = [];
    const prototype = Tray.prototype as unknown as {
      setContextMenu: (this: unknown, menu: unknown) => void;
      setTitle: (this: unknown, title: string, options?: unknown) => void;
    };
    const setContextMenu = prototype.setContextMenu;
    const setTitle = prototype.setTitle;
    prototype.setContextMenu = function (menu) {
      recorder.stratCoachTrayMenus.push(menu);
      setContextMenu.call(this, menu);
    };
    prototype.setTitle = function (title, options) {
      recorder.stratCoachTrayTitles.push(title);
      setTitle.call(this, title, options);
    };
  });
}

/** The lines of the last menu main gave the tray (after recordTray), or [] before one. */
export const trayLines = (app: ElectronApplication): Promise<TrayLine[]> =>
  app.evaluate(() => {
    const menus = (globalThis as unknown as { stratCoachTrayMenus: { items: TrayLine[] }[] }).stratCoachTrayMenus;
    return (menus.at(-1)?.items ?? []).map(({ label, enabled, type }) => ({ label, enabled, type }));
  });

export const trayTitles = (app: ElectronApplication): Promise<string[]> =>
  app.evaluate(() => (globalThis as unknown as { stratCoachTrayTitles: string[] }).stratCoachTrayTitles);

/** Clicks a line of the last tray menu, as the trader would. */
export async function clickTrayItem(app: ElectronApplication, label: string): Promise<void> {
  await expect.poll(async () => (await trayLines(app)).some((line) => line.label === label && line.enabled)).toBe(true);
  await app.evaluate((_electron, wanted) => {
    const menus = (
      globalThis as unknown as { stratCoachTrayMenus: { items: { label: string; click: () => void }[] }[] }
    ).stratCoachTrayMenus;
    menus
      .at(-1)!
      .items.find((item) => item.label === wanted)!
      .click();
  }, label);
}
