// Quick-question presets: the questions a Strat trader asks again and again, one click (or the tray menu)
// away. The defaults, reading them back from storage, and checking an edited list before it is kept.

export interface Preset {
  id: string;
  /** Shown on the button and in the tray menu. */
  title: string;
  /** Sent as the message. */
  question: string;
}

export interface PresetsFile {
  schemaVersion: typeof PRESETS_SCHEMA_VERSION;
  presets: Preset[];
}

export type PresetsCheck =
  | { ok: true; presets: Preset[] }
  | {
      ok: false;
      code: 'too_many_presets' | 'invalid_id' | 'invalid_title' | 'duplicate_title' | 'invalid_question';
      message: string;
      /** The offending preset's position in the list, for the editor to point at. */
      index?: number;
    };

export const MAX_PRESETS = 8;
export const MAX_PRESET_TITLE_CHARS = 40;
export const MAX_PRESET_QUESTION_CHARS = 2000;
export const PRESETS_SCHEMA_VERSION = 1;

export const PRESETS_RESET_NOTICE = 'Your quick questions could not be read and were reset to the defaults.';
export const PRESETS_NEWER_NOTICE =
  'Your quick questions were saved by a newer version of Strat Coach, which this one cannot read. The defaults are shown until you update.';

export const DEFAULT_PRESETS: readonly Preset[] = Object.freeze([
  {
    id: 'number-bars',
    title: 'Number the last bars',
    question:
      'Number the last 4–5 closed bars and the live bar (1, 2U, 2D or 3), then name the setup they form and its status: forming, triggered or failed.',
  },
  {
    id: 'trigger-stop',
    title: "Where's the trigger and the stop?",
    question:
      'Where is the trigger for the setup on this chart — which bar’s high or low, and in which direction — and where would the stop go if it triggers? Give the prices you read off the chart.',
  },
  {
    id: 'continuity',
    title: 'Is timeframe continuity with me?',
    question:
      'For each chart, is the current bar trading above or below its open? Is timeframe continuity with the setup, against it, or mixed, and what would have to change for full continuity?',
  },
  {
    id: 'targets',
    title: 'Targets and exhaustion?',
    question:
      'If this setup triggers, where are the first and second targets (the previous bars’ highs or lows), and do you see signs of exhaustion — a target already hit, a 3 bar, a failed 2 — that should make me careful?',
  },
]);

// Titles go into buttons and the tray menu: a line break or a control character would break either.
const hasControl = (text: string) =>
  [...text].some((character) => {
    const code = character.codePointAt(0) ?? 0;
    return code <= 0x1f || (code >= 0x7f && code <= 0x9f);
  });
const length = (text: string) => [...text].length;

type Failure = Extract<PresetsCheck, { ok: false }>;

function checkPreset(preset: Preset, index: number): Preset | Failure {
  const where = `Quick question ${index + 1}`;
  if (typeof preset.id !== 'string' || preset.id.trim() === '') {
    return { ok: false, code: 'invalid_id', message: `${where} has no id.`, index };
  }
  const title = typeof preset.title === 'string' ? preset.title.trim() : '';
  const question = typeof preset.question === 'string' ? preset.question.trim() : '';
  if (title === '') return { ok: false, code: 'invalid_title', message: `${where} needs a title.`, index };
  if (length(title) > MAX_PRESET_TITLE_CHARS) {
    const message = `The title “${title}” is too long: at most ${MAX_PRESET_TITLE_CHARS} characters.`;
    return { ok: false, code: 'invalid_title', message, index };
  }
  if (hasControl(title)) {
    const message = `The title of ${where.toLowerCase()} must be one line, without tabs or control characters.`;
    return { ok: false, code: 'invalid_title', message, index };
  }
  if (question === '') {
    return { ok: false, code: 'invalid_question', message: `“${title}” needs a question to ask.`, index };
  }
  if (length(question) > MAX_PRESET_QUESTION_CHARS) {
    const message = `The question of “${title}” is too long: at most ${MAX_PRESET_QUESTION_CHARS} characters.`;
    return { ok: false, code: 'invalid_question', message, index };
  }
  return { id: preset.id, title, question };
}

/**
 * Checks an edited list of presets and gives it back trimmed: at most 8, each with an id, a one-line title
 * of 1–40 characters that no other preset has (ignoring case), and a question of 1–2,000 characters.
 * An empty list is allowed: the trader may remove every preset.
 */
export function updatePresets(list: readonly Preset[]): PresetsCheck {
  if (list.length > MAX_PRESETS) {
    return {
      ok: false,
      code: 'too_many_presets',
      message: `You can keep up to ${MAX_PRESETS} quick questions. Remove one to add another.`,
    };
  }
  const presets: Preset[] = [];
  for (const [index, entry] of list.entries()) {
    const preset = checkPreset(entry, index);
    if ('ok' in preset) return preset;
    if (presets.some((kept) => kept.id === preset.id)) {
      return { ok: false, code: 'invalid_id', message: `Quick question ${index + 1} repeats another’s id.`, index };
    }
    if (presets.some((kept) => kept.title.toLowerCase() === preset.title.toLowerCase())) {
      const message = `Two quick questions are called “${preset.title}”. Give each its own title.`;
      return { ok: false, code: 'duplicate_title', message, index };
    }
    presets.push(preset);
  }
  return { ok: true, presets };
}

const defaults = (): Preset[] => DEFAULT_PRESETS.map((preset) => ({ ...preset }));

/**
 * Presets from stored JSON (schema 1). Anything that does not hold together as a whole gives the defaults
 * and a notice: a half-kept list would be harder to make sense of than a clean start.
 */
export function parsePresets(json: unknown): { presets: Preset[]; notice: string | null } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { presets: defaults(), notice: PRESETS_RESET_NOTICE };
  }
  const { schemaVersion, presets } = json as Record<string, unknown>;
  if (typeof schemaVersion === 'number' && Number.isInteger(schemaVersion) && schemaVersion > PRESETS_SCHEMA_VERSION) {
    return { presets: defaults(), notice: PRESETS_NEWER_NOTICE };
  }
  if (schemaVersion !== PRESETS_SCHEMA_VERSION || !Array.isArray(presets)) {
    return { presets: defaults(), notice: PRESETS_RESET_NOTICE };
  }
  const entries: unknown[] = presets;
  const shaped = entries.every((entry) => typeof entry === 'object' && entry !== null && !Array.isArray(entry));
  const checked = shaped ? updatePresets(entries as Preset[]) : null;
  return checked?.ok
    ? { presets: checked.presets, notice: null }
    : { presets: defaults(), notice: PRESETS_RESET_NOTICE };
}

export function serializePresets(presets: readonly Preset[]): PresetsFile {
  return { schemaVersion: PRESETS_SCHEMA_VERSION, presets: presets.map((preset) => ({ ...preset })) };
}
