// The coach window: signed out, or the conversation with its top bar, banner and question box; from 1100 px
// wide, the history as a sidebar and the chart beside the thread. Esc, paste and drop are handled here for
// the whole window, and the theme the trader chose is set on the page.
import { useEffect, useState, type DragEvent } from 'react';
import { CropOverlay } from '../chart/CropOverlay';
import { useBarNumbersStore } from '../state/bar-numbers-store';
import { useChartStore } from '../state/chart-store';
import { useConversationStore } from '../state/conversation-store';
import { useCropStore } from '../state/crop-store';
import { useSessionStore } from '../state/session-store';
import { useThemeStore } from '../state/theme-store';
import { AppNotices } from './AppNotices';
import { Banner } from './Banner';
import { ChartPane } from './ChartPane';
import { Composer, QUESTION_ID } from './Composer';
import { HistoryPanel } from './HistoryPanel';
import { SettingsPanel } from './SettingsPanel';
import { SignedOut } from './SignedOut';
import { SourcePicker } from './SourcePicker';
import { Thread } from './Thread';
import { TopBar } from './TopBar';
import { useWide } from './use-wide';

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

/** Back to the question box, so closing a panel never leaves focus on the page's body. */
const focusQuestion = (): void => document.getElementById(QUESTION_ID)?.focus();

/**
 * The chosen theme on <html> (data-theme), read once from the host; System leaves it to the OS. The window's
 * other display preference (the bar numbers) is read with it.
 */
function useTheme(): void {
  const theme = useThemeStore((state) => state.theme);
  useEffect(() => {
    void useThemeStore.getState().load();
    useBarNumbersStore.getState().load();
  }, []);
  useEffect(() => {
    if (theme === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
  }, [theme]);
}

function Coach() {
  const [panel, setPanel] = useState<'history' | 'settings' | null>(null);
  const [dropping, setDropping] = useState(false);
  const crop = useCropStore((state) => state.request);
  const picking = useChartStore((state) => state.sources !== null);
  const wide = useWide();
  const toggle = (which: 'history' | 'settings') => () => setPanel((open) => (open === which ? null : which));
  const closeHistory = (): void => {
    setPanel(null);
    if (wide) focusQuestion();
  };
  const closeSettings = (): void => {
    setPanel(null);
    focusQuestion();
  };
  useWindowKeys();
  // Signed in (or opened signed in): the keyboard starts in the question box, not on the page's body.
  useEffect(() => {
    if (document.activeElement === null || document.activeElement === document.body) focusQuestion();
  }, []);
  // Reloaded: the conversation the window had open opens again.
  useEffect(() => {
    void useConversationStore.getState().reopenAfterReload();
  }, []);

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
      data-layout={wide ? 'wide' : 'compact'}
      onDragOver={(event) => {
        if (!hasFiles(event)) return;
        event.preventDefault();
        setDropping(true);
      }}
      onDragLeave={() => setDropping(false)}
      onDrop={drop}
    >
      <TopBar
        historyDocked={wide}
        historyOpen={panel === 'history'}
        onToggleHistory={toggle('history')}
        settingsOpen={panel === 'settings'}
        onToggleSettings={toggle('settings')}
      />
      <div className="coach-body">
        {/* One place in the tree for both layouts, so a resize keeps the panel's search and edits. It takes
            focus only when the History button opened it (not docked at start, not on a resize). Docked, it
            stays: "closing" it (Esc, opening a conversation) goes back to the question box. */}
        {(wide || panel === 'history') && (
          <HistoryPanel docked={wide} focusOnOpen={panel === 'history'} onClose={closeHistory} />
        )}
        {/* The thread is the page's <main>; the question box a named region (its own <footer> inside a
            section is not announced as the page's contentinfo). */}
        <div className="coach-main">
          <Thread />
          <AppNotices />
          <Banner />
          <section className="ask" aria-label="Ask the coach">
            <Composer />
          </section>
        </div>
        {wide && <ChartPane />}
      </div>
      {panel === 'settings' && <SettingsPanel onClose={closeSettings} />}
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
  useTheme();
  const ready = useSessionStore((state) => state.ready);
  const status = useSessionStore((state) => state.session.status);
  if (!ready) return <main className="splash">Strat Coach</main>;
  return status === 'signed_in' ? <Coach /> : <SignedOut />;
}
