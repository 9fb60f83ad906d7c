// The coach window: signed out, or the conversation with its top bar, banner and question box. Esc,
// paste and drop are handled here for the whole window.
import { useEffect, useState, type DragEvent } from 'react';
import { CropOverlay } from '../chart/CropOverlay';
import { useChartStore } from '../state/chart-store';
import { useConversationStore } from '../state/conversation-store';
import { useSessionStore } from '../state/session-store';
import { Banner } from './Banner';
import { Composer } from './Composer';
import { HistoryPanel } from './HistoryPanel';
import { SignedOut } from './SignedOut';
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
      if (useChartStore.getState().frame) useChartStore.getState().cancelCrop();
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
  const [historyOpen, setHistoryOpen] = useState(false);
  const [dropping, setDropping] = useState(false);
  const frame = useChartStore((state) => state.frame);
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
      <TopBar historyOpen={historyOpen} onToggleHistory={() => setHistoryOpen((open) => !open)} />
      {historyOpen && <HistoryPanel onClose={() => setHistoryOpen(false)} />}
      <Thread />
      <Banner />
      <Composer />
      {frame && <CropOverlay frame={frame} />}
    </div>
  );
}

export function App() {
  const ready = useSessionStore((state) => state.ready);
  const status = useSessionStore((state) => state.session.status);
  if (!ready) return <main className="splash">Strat Coach</main>;
  return status === 'signed_in' ? <Coach /> : <SignedOut />;
}
