// Electron's crop window: the frozen screen 1:1 on the display it was taken from, and the crop on it. A
// window's capture, whose size is its own, is fitted into the screen when it would not fit 1:1.
import { useEffect } from 'react';
import { CropOverlay } from '../chart/CropOverlay';
import { useCropWindowStore } from '../state/crop-window-store';

export function CropWindow() {
  const { frame, busy, error } = useCropWindowStore();
  const { load, confirm, cancel } = useCropWindowStore.getState();
  useEffect(() => {
    void load();
  }, [load]);
  if (error) return <main className="splash status-error">{error}</main>;
  if (!frame) return <main className="splash">Preparing the capture…</main>;
  const fitsOneToOne =
    frame.width / frame.scaleFactor <= window.innerWidth + 1 &&
    frame.height / frame.scaleFactor <= window.innerHeight + 1;
  return (
    <CropOverlay
      frame={frame}
      fit={fitsOneToOne ? 'native' : 'fit'}
      busy={busy}
      onConfirm={(rect) => void confirm(rect)}
      onCancel={() => void cancel()}
    />
  );
}
