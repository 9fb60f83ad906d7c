// The coach window: signed out, or the conversation with its top bar, banner and question box. Esc,
// paste and drop are handled here for the whole window.
import { useEffect, useState, type DragEvent } from 'react';
import { CropOverlay } from '../chart/CropOverlay';
import { useChartStore } from '../state/chart-store';
import { useConversationStore } from '../state/conversation-store';
import { useCropStore } from '../state/crop-store';
import { useSessionStore } from '../state/session-store';
import { Banner } from './Banner';
import { Composer } from './Composer';
import { HistoryPanel } from './HistoryPanel';
import { SettingsPanel } from './SettingsPanel';
import { SignedOut } from './SignedOut';
import { SourcePicker } from './SourcePicker';
import { Thread } from './Thread';
import { TopBar } from './TopBar';

const hasFiles = (event: DragEvent): boolean => event.dataTransfer.types.includes('Files');

/** The first image among pasted or dropped files, or the first file (so a non-image gets its message). */
function chartFile(files: FileList | undefined | null): File | undefined {
  const list = [...(files ?? [])];
  return list.find((file) => file.type.startsWith('image/')) ?? list[0];
}

function useWindowKeys(): void {
  useEffect(() => {
    const keyDown = (event: KeyboardEvent): void => {
      if (event.key !== 'Escape') return;
      if (useCropStore.getState().request) useCropStore.getState().cancel();
      else if (useChartStore.getState().sources) useChartStore.getState().closePicker();
      else useConversationStore.getState().stop();
    };
    // A pasted image (Ctrl/Cmd+V) becomes the chart; pasted text is left to the question box.
    const paste = (event: ClipboardEvent): void => {
      const file = chartFile(event.clipboardData?.files);
      if (!file) return;
      event.preventDefault();
      void useChartStore.getState().acceptFile(file);
    };
    window.addEventListener('keydown', keyDown);
    window.addEventListener('paste', paste);
    return () => {
      window.removeEventListener('keydown', keyDown);
      window.removeEventListener('paste', paste);
    };
  }, []);
}

function Coach() {
  const [panel, setPanel] = useState<'history' | 'settings' | null>(null);
  const [dropping, setDropping] = useState(false);
  const crop = useCropStore((state) => state.request);
  const picking = useChartStore((state) => state.sources !== null);
  const toggle = (which: 'history' | 'settings') => () => setPanel((open) => (open === which ? null : which));
  useWindowKeys();

  const drop = (event: DragEvent): void => {
    setDropping(false);
    const file = chartFile(event.dataTransfer.files);
    if (!file) return;
    event.preventDefault();
    void useChartStore.getState().acceptFile(file);
  };

  return (
    <div
      className={dropping ? 'coach dropping' : 'coach'}
      data-testid="coach"
      onDragOver={(event) => {
        if (!hasFiles(event)) return;
        event.preventDefault();
        setDropping(true);
      }}
      onDragLeave={() => setDropping(false)}
      onDrop={drop}
    >
      <TopBar
        historyOpen={panel === 'history'}
        onToggleHistory={toggle('history')}
        settingsOpen={panel === 'settings'}
        onToggleSettings={toggle('settings')}
      />
      {panel === 'history' && <HistoryPanel onClose={() => setPanel(null)} />}
      {panel === 'settings' && <SettingsPanel onClose={() => setPanel(null)} />}
      <Thread />
      <Banner />
      <Composer />
      {picking && <SourcePicker />}
      {crop && (
        <CropOverlay
          frame={crop.frame}
          fit="fit"
          onConfirm={(rect) => useCropStore.getState().confirm(rect)}
          onCancel={() => useCropStore.getState().cancel()}
        />
      )}
    </div>
  );
}

export function App() {
  const ready = useSessionStore((state) => state.ready);
  const status = useSessionStore((state) => state.session.status);
  if (!ready) return <main className="splash">Strat Coach</main>;
  return status === 'signed_in' ? <Coach /> : <SignedOut />;
}
