// The theme setting: what is read back from a file or a page's storage, and the window's background in it.
import { describe, expect, it } from 'vitest';
import { parseTheme, serializeTheme, WINDOW_BACKGROUND, windowBackground } from '../src/shared/theme';

describe('parseTheme', () => {
  it('reads back what was saved, and System for anything else', () => {
    for (const theme of ['system', 'light', 'dark'] as const) expect(parseTheme(serializeTheme(theme))).toBe(theme);
    for (const json of [undefined, null, 'dark', { theme: 'Dark' }, { theme: 1 }, []]) {
      expect(parseTheme(json)).toBe('system');
    }
  });
});

describe('windowBackground', () => {
  it('is the dark page colour when the theme or the system is dark, else the light one', () => {
    expect(windowBackground('dark', false)).toBe(WINDOW_BACKGROUND.dark);
    expect(windowBackground('light', true)).toBe(WINDOW_BACKGROUND.light);
    expect(windowBackground('system', true)).toBe(WINDOW_BACKGROUND.dark);
    expect(windowBackground('system', false)).toBe(WINDOW_BACKGROUND.light);
  });
});
