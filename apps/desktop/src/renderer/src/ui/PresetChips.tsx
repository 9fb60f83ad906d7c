// Quick questions as chips above the question box: one click gets the charts (those attached, else the
// pinned regions captured again, else the conversation's) and asks the preset at once.
import { isOpen } from '../lib/live-answer';
import { useConversationStore } from '../state/conversation-store';
import { usePresetStore } from '../state/preset-store';
import { askPreset } from '../state/quick-question';

export function PresetChips({ blocked }: { blocked: boolean }) {
  const presets = usePresetStore((state) => state.presets);
  const answering = useConversationStore((state) => isOpen(state.live));
  if (presets.length === 0) return null;
  return (
    <div className="preset-chips" role="group" aria-label="Quick questions">
      {presets.map((preset) => (
        <button
          key={preset.id}
          type="button"
          className="preset-chip"
          title={preset.question}
          disabled={answering || blocked}
          onClick={() => void askPreset(preset, { captureUnderCursor: false })}
        >
          {preset.title}
        </button>
      ))}
    </div>
  );
}
