// Settings: the theme (System, Light, Dark), the bar numbers on charts (on or off), the quick questions (at most eight: a chip title and the question
// it asks), the pinned regions (rename, remove, recapture), and — in the desktop app — the global shortcuts,
// with the ones another app holds said plainly.
import { useEffect, useState } from 'react';
import {
  MAX_PRESETS,
  SHORTCUT_ACTIONS,
  THEME_CHOICES,
  type Preset,
  type ShortcutAction,
  type ThemeChoice,
} from '../shared';
import { usePinnedStore } from '../state/pinned-store';
import { usePresetStore } from '../state/preset-store';
import { useBarNumbersStore } from '../state/bar-numbers-store';
import { useThemeStore } from '../state/theme-store';
import { BarNumbersToggle } from './BarNumbersToggle';
import { useDismissable } from './use-dismissable';

const SHORTCUT_NAMES: Record<ShortcutAction, string> = {
  quickQuestion: 'Quick question',
  recapturePinned: 'Recapture pinned regions',
};

const THEME_NAMES: Record<ThemeChoice, string> = { system: 'System', light: 'Light', dark: 'Dark' };

function ThemeChooser() {
  const theme = useThemeStore((state) => state.theme);
  const problem = useThemeStore((state) => state.problem);
  const choose = useThemeStore((state) => state.choose);
  return (
    <fieldset className="theme-choice">
      <legend>Theme</legend>
      <div className="segmented">
        {THEME_CHOICES.map((choice) => (
          <label key={choice}>
            <input
              type="radio"
              name="theme"
              value={choice}
              checked={theme === choice}
              onChange={() => void choose(choice)}
            />
            <span>{THEME_NAMES[choice]}</span>
          </label>
        ))}
      </div>
      <p className="hint">System follows your computer’s light or dark setting.</p>
      {problem && (
        <p className="status-error" role="alert">
          {problem}
        </p>
      )}
    </fieldset>
  );
}

function ChartSettings() {
  const problem = useBarNumbersStore((state) => state.problem);
  return (
    <fieldset className="theme-choice chart-settings">
      <legend>Charts</legend>
      <BarNumbersToggle />
      <p className="hint">
        The local chart reader’s Strat number (1, 2U, 2D, 3; ? when unsure) above each of the latest candles, and the
        trigger bar’s level.
      </p>
      {problem && (
        <p className="status-error" role="alert">
          {problem}
        </p>
      )}
    </fieldset>
  );
}

let drafts = 0;
const newPreset = (): Preset => ({ id: `preset-${Date.now().toString(36)}-${(drafts += 1)}`, title: '', question: '' });

function PresetsEditor() {
  const saved = usePresetStore((state) => state.presets);
  const save = usePresetStore((state) => state.save);
  const [list, setList] = useState<Preset[]>(saved);
  const [message, setMessage] = useState<string | null>(null);
  useEffect(() => setList(saved), [saved]);
  const edit = (index: number, field: 'title' | 'question', value: string): void =>
    setList(list.map((preset, at) => (at === index ? { ...preset, [field]: value } : preset)));

  return (
    <section aria-labelledby="presets-title">
      <h3 id="presets-title">Quick questions</h3>
      <p className="hint">Chips above the question box (and items in the tray menu): one click asks with the charts.</p>
      <ol className="preset-list">
        {list.map((preset, index) => (
          <li key={preset.id}>
            <input
              aria-label={`Title of quick question ${index + 1}`}
              value={preset.title}
              maxLength={40}
              onChange={(event) => edit(index, 'title', event.target.value)}
            />
            <textarea
              aria-label={`Question of quick question ${index + 1}`}
              rows={2}
              value={preset.question}
              onChange={(event) => edit(index, 'question', event.target.value)}
            />
            <button
              type="button"
              className="icon-button"
              aria-label={`Remove quick question ${index + 1}`}
              onClick={() => setList(list.filter((_, at) => at !== index))}
            >
              ×
            </button>
          </li>
        ))}
      </ol>
      <div className="settings-actions">
        <button
          type="button"
          className="secondary"
          disabled={list.length >= MAX_PRESETS}
          onClick={() => setList([...list, newPreset()])}
        >
          Add
        </button>
        <button
          type="button"
          className="primary"
          onClick={() => void save(list).then((problem) => setMessage(problem ?? 'Saved.'))}
        >
          Save quick questions
        </button>
        {message && (
          <span role="status" className={message === 'Saved.' ? 'hint' : 'status-error'}>
            {message}
          </span>
        )}
      </div>
    </section>
  );
}

function PinnedList() {
  const regions = usePinnedStore((state) => state.regions);
  const { rename, remove, recapture } = usePinnedStore.getState();
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <section aria-labelledby="pinned-title">
      <h3 id="pinned-title">Pinned regions</h3>
      {regions.length === 0 ? (
        <p className="hint">None yet: capture a chart, label it, then Pin it to recapture it with one click.</p>
      ) : (
        <ul className="pinned-list">
          {regions.map((region) => (
            <li key={region.id}>
              <input
                aria-label={`Label of pinned region ${region.label}`}
                defaultValue={region.label}
                maxLength={40}
                onBlur={(event) => {
                  if (event.target.value !== region.label) void rename(region.id, event.target.value).then(setProblem);
                }}
              />
              <span className="hint">
                {region.source.kind === 'window' ? region.source.windowName || 'a window' : 'screen'} ·{' '}
                {region.rect.width} × {region.rect.height} px
              </span>
              <button type="button" className="secondary" onClick={() => void recapture([region.id])}>
                Capture
              </button>
              <button type="button" className="secondary" onClick={() => void remove(region.id)}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      {problem && (
        <p className="status-error" role="alert">
          {problem}
        </p>
      )}
    </section>
  );
}

function ShortcutsEditor() {
  const shortcuts = usePresetStore((state) => state.shortcuts);
  const saveShortcuts = usePresetStore((state) => state.saveShortcuts);
  const [bindings, setBindings] = useState<Record<ShortcutAction, string> | null>(null);
  useEffect(() => {
    if (shortcuts) {
      setBindings({
        quickQuestion: shortcuts.quickQuestion.accelerator,
        recapturePinned: shortcuts.recapturePinned.accelerator,
      });
    }
  }, [shortcuts]);
  if (!shortcuts || !bindings) return null;
  return (
    <section aria-labelledby="shortcuts-title">
      <h3 id="shortcuts-title">Shortcuts</h3>
      {SHORTCUT_ACTIONS.map((action) => (
        <label key={action} className="shortcut">
          <span>{SHORTCUT_NAMES[action]}</span>
          <input
            value={bindings[action]}
            placeholder="e.g. CommandOrControl+Shift+Space (empty: off)"
            onChange={(event) => setBindings({ ...bindings, [action]: event.target.value })}
          />
          <span className={shortcuts[action].status === 'active' ? 'hint' : 'status-error'} role="status">
            {shortcuts[action].status === 'active'
              ? shortcuts[action].label
              : (shortcuts[action].message ?? shortcuts[action].status)}
          </span>
        </label>
      ))}
      <button type="button" className="primary" onClick={() => void saveShortcuts(bindings)}>
        Save shortcuts
      </button>
    </section>
  );
}

export function SettingsPanel({ onClose }: { onClose: () => void }) {
  const dismissable = useDismissable<HTMLElement>(onClose);
  return (
    <aside id="settings" className="settings" aria-label="Settings" data-testid="settings-panel" {...dismissable}>
      <div className="history-head">
        <h2>Settings</h2>
        <button type="button" className="icon-button" aria-label="Close settings" onClick={onClose}>
          ×
        </button>
      </div>
      <ThemeChooser />
      <ChartSettings />
      <PresetsEditor />
      <PinnedList />
      <ShortcutsEditor />
    </aside>
  );
}
