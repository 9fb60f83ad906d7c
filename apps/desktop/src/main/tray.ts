// The tray: the usage meter (icon gauge, tooltip, first menu line), the quick question, the window,
// sign-in / sign-out and Quit. Thin: the words and the gauge come from usage-meter.ts.
import { Menu, nativeImage, Tray, type NativeImage } from 'electron';
import type { SessionState } from '../shared/host-api';
import { meterIcon, type MeterView } from './usage-meter';

export interface TrayActions {
  quickQuestion: () => void;
  showWindow: () => void;
  signIn: () => void;
  signOut: () => void;
  quit: () => void;
}

function gaugeImage(view: MeterView): NativeImage {
  const image = nativeImage.createFromBitmap(meterIcon(view, 16), { width: 16, height: 16, scaleFactor: 1 });
  image.addRepresentation({ scaleFactor: 2, width: 32, height: 32, buffer: meterIcon(view, 32) });
  return image;
}

export interface CoachTray {
  show(view: MeterView, session: SessionState): void;
  destroy(): void;
}

export function createCoachTray(actions: TrayActions, options: { quickQuestionAccelerator: string | null }): CoachTray {
  let tray: Tray | null = null;

  return {
    show(view, session) {
      if (!tray) {
        tray = new Tray(gaugeImage(view));
        // Windows and some Linux trays: a click on the icon brings the coach window (the menu is a right-click).
        tray.on('click', actions.showWindow);
      }
      tray.setImage(gaugeImage(view));
      tray.setToolTip(view.tooltip);
      const signedIn = session.status === 'signed_in';
      tray.setContextMenu(
        Menu.buildFromTemplate([
          { label: view.label, enabled: false },
          { type: 'separator' },
          {
            label: 'Quick question…',
            click: actions.quickQuestion,
            ...(options.quickQuestionAccelerator ? { accelerator: options.quickQuestionAccelerator } : {}),
          },
          { label: 'Show Strat Coach', click: actions.showWindow },
          { type: 'separator' },
          signedIn
            ? { label: 'Sign out', click: actions.signOut }
            : { label: 'Sign in…', enabled: session.status !== 'signing_in', click: actions.signIn },
          { type: 'separator' },
          { label: 'Quit Strat Coach', click: actions.quit },
        ]),
      );
    },
    destroy() {
      tray?.destroy();
      tray = null;
    },
  };
}
