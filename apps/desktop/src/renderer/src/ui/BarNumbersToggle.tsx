// "Bar numbers": draws or hides the local chart reader's numbers on every chart (the preview, the thread, the
// viewer). The same setting in Settings and in the chart viewer's bar; kept by the window for next time.
import { useBarNumbersStore } from '../state/bar-numbers-store';

export function BarNumbersToggle() {
  const shown = useBarNumbersStore((state) => state.shown);
  const show = useBarNumbersStore((state) => state.show);
  return (
    <label className="bar-numbers-toggle">
      <input type="checkbox" checked={shown} onChange={(event) => show(event.target.checked)} />
      <span>Bar numbers</span>
    </label>
  );
}
