// The screens and windows to capture from, as thumbnails: the one the coach window is on says so, and the
// one Capture uses by default is marked. Picking one captures it; Esc or Cancel closes the picker.
import { useChartStore } from '../state/chart-store';
import { useDismissable } from './use-dismissable';

export function SourcePicker() {
  const sources = useChartStore((state) => state.sources);
  const { capture, closePicker } = useChartStore.getState();
  const dismissable = useDismissable<HTMLDivElement>(() => closePicker());
  if (!sources) return null;
  const displays = sources.filter((source) => source.kind === 'display');
  const windows = sources.filter((source) => source.kind === 'window');

  const group = (title: string, items: typeof sources) =>
    items.length > 0 && (
      <section>
        <h3>{title}</h3>
        <ul className="source-grid">
          {items.map((source) => (
            <li key={source.id}>
              <button type="button" className="source" onClick={() => void capture(source.id)}>
                <img src={source.thumbnail} alt="" />
                <span className="source-name">{source.name}</span>
                {source.isDefault && <span className="chip">Last used</span>}
                {source.hasCoach && <span className="hint">This window is here</span>}
              </button>
            </li>
          ))}
        </ul>
      </section>
    );

  return (
    <div className="picker" role="dialog" aria-modal="true" aria-label="Choose what to capture" {...dismissable}>
      <div className="picker-head">
        <h2>Capture which screen or window?</h2>
        <button type="button" className="secondary" onClick={closePicker}>
          Cancel
        </button>
      </div>
      {group('Screens', displays)}
      {group('Windows', windows)}
    </div>
  );
}
