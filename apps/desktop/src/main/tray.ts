// The tray: the usage meter's gauge, tooltip and (macOS) title, and the menu of tray-menu.ts turned into
// Electron's. Thin: the words come from usage-meter.ts, the lines and their commands from tray-menu.ts.
import { Menu, nativeImage, Tray, type NativeImage } from 'electron';
import { menuItems } from './app-menu';
import { trayMenu, trayTitle, type TrayCommand, type TrayState } from './tray-menu';
import { meterIcon, type MeterView } from './usage-meter';

function gaugeImage(view: MeterView): NativeImage {
  const image = nativeImage.createFromBitmap(meterIcon(view, 16), { width: 16, height: 16, scaleFactor: 1 });
  image.addRepresentation({ scaleFactor: 2, width: 32, height: 32, buffer: meterIcon(view, 32) });
  return image;
}

export interface CoachTray {
  show(state: TrayState): void;
  destroy(): void;
}

export function createCoachTray(run: (command: TrayCommand) => void): CoachTray {
  let tray: Tray | null = null;

  return {
    show(state) {
      if (!tray) {
        tray = new Tray(gaugeImage(state.view));
        // Windows and some Linux trays: a click on the icon brings the coach window (the menu is a right-click).
        tray.on('click', () => run({ kind: 'show' }));
      }
      tray.setImage(gaugeImage(state.view));
      tray.setToolTip(state.view.tooltip);
      if (state.platform === 'darwin') tray.setTitle(trayTitle(state.view, state.platform));
      tray.setContextMenu(Menu.buildFromTemplate(menuItems(trayMenu(state), run)));
    },

    destroy() {
      tray?.destroy();
      tray = null;
    },
  };
}
