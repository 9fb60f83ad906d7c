// The window's colour theme as the trader chooses it in Settings: follow the operating system (the default),
// or always light, or always dark. Shared by main (nativeTheme, the window's background) and the renderer.
export const THEME_CHOICES = ['system', 'light', 'dark'] as const;
export type ThemeChoice = (typeof THEME_CHOICES)[number];

export const DEFAULT_THEME: ThemeChoice = 'system';

export const isThemeChoice = (value: unknown): value is ThemeChoice => THEME_CHOICES.some((choice) => choice === value);

/** The stored setting ({ theme }), or the default for anything else: no file yet, an old or hand-edited one. */
export function parseTheme(json: unknown): ThemeChoice {
  const theme = typeof json === 'object' && json !== null ? (json as { theme?: unknown }).theme : undefined;
  return isThemeChoice(theme) ? theme : DEFAULT_THEME;
}

export const serializeTheme = (theme: ThemeChoice): { schemaVersion: 1; theme: ThemeChoice } => ({
  schemaVersion: 1,
  theme,
});

/** What the window paints before the page has: the page's own background in the theme that will show. */
export const WINDOW_BACKGROUND = { dark: '#0f141a', light: '#f6f8fa' } as const;

export function windowBackground(theme: ThemeChoice, systemIsDark: boolean): string {
  const dark = theme === 'dark' || (theme === 'system' && systemIsDark);
  return dark ? WINDOW_BACKGROUND.dark : WINDOW_BACKGROUND.light;
}
