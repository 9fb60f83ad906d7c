// The tray menu as the trader reads it: the quota first, each preset asking at once, an open question,
// recapture only when something is pinned, a line for a shortcut another app holds, and the quota percent
// beside the macOS gauge — the meter's own words, not a second calculation.
import { describe, expect, it } from 'vitest';
import type { UsageCurrentResponse } from '@strat-coach/server/contract';
import { trayMenu, trayTitle, type TrayMenuEntry, type TrayState } from '../src/main/tray-menu';
import { meterView } from '../src/main/usage-meter';
import { DEFAULT_PRESETS } from '../src/shared/presets';
import type { ShortcutStatus } from '../src/shared/shortcut-settings';

const signedIn = { status: 'signed_in', subject: 'user_1', expiresAt: 0 } as const;
const usage = (percent: number): { ok: true; value: UsageCurrentResponse } => ({
  ok: true,
  value: {
    tier: 'free',
    period: { start: '2030-05-01T00:00:00.000Z', end: '2030-06-01T00:00:00.000Z' },
    tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    quota: { limit: 100_000, used: percent * 1000, remaining: 100_000 - percent * 1000, percent },
    overage: { tokens: 0, reportedTokens: 0 },
    requests: 1,
    costUsd: 0,
    cache: { hitRate: 0, savingsUsd: 0 },
  },
});

const active = (accelerator: string, label: string) => ({ accelerator, label, status: 'active' as const });
const shortcuts: ShortcutStatus = {
  quickQuestion: active('CommandOrControl+Shift+Space', '⌘⇧Space'),
  recapturePinned: active('CommandOrControl+Shift+R', '⌘⇧R'),
};

const state = (overrides: Partial<TrayState> = {}): TrayState => ({
  view: meterView(signedIn, usage(42)),
  session: signedIn,
  presets: DEFAULT_PRESETS.slice(0, 2),
  pinnedCount: 2,
  shortcuts,
  platform: 'darwin',
  update: null,
  ...overrides,
});

/** The menu as lines of text: "label [disabled] -> command", "---" for separators. */
const lines = (menu: TrayMenuEntry[]) =>
  menu.map((entry) => {
    if (entry.type === 'separator') return '---';
    const command = entry.command
      ? ` -> ${entry.command.kind}${'presetId' in entry.command ? `(${entry.command.presetId})` : ''}`
      : '';
    return `${entry.label}${entry.enabled ? '' : ' [disabled]'}${command}`;
  });

describe('trayMenu', () => {
  it('names the trader’s plan first, then the quota; nothing before the usage is read', () => {
    const pro = usage(42);
    pro.value.tier = 'pro';
    expect(lines(trayMenu(state({ view: meterView(signedIn, pro) }))).slice(0, 2)).toEqual([
      'Pro plan [disabled]',
      'Quota 42% — ≈ 27 chart questions left [disabled]',
    ]);
    expect(lines(trayMenu(state({ view: meterView(signedIn, null) }))).slice(0, 2)).toEqual([
      'Quota … [disabled]',
      '---',
    ]);
  });

  it('lists the quota, the presets, an open question, recapture, the window, sign-out and quit', () => {
    expect(lines(trayMenu(state()))).toEqual([
      'Free plan [disabled]',
      'Quota 42% — ≈ 27 chart questions left [disabled]',
      '---',
      'Number the last bars -> quick-question(number-bars)',
      "Where's the trigger and the stop? -> quick-question(trigger-stop)",
      '---',
      'Ask a question… -> quick-question(null)',
      'Recapture pinned regions -> recapture-pinned',
      '---',
      'Show Strat Coach -> show',
      '---',
      'Sign out -> sign-out',
      '---',
      'Open logs folder -> open-logs',
      'Copy diagnostics -> copy-diagnostics',
      '---',
      'Quit Strat Coach -> quit',
    ]);
  });

  it('offers "Restart to update" once an update is downloaded, and greys it while it waits for an answer', () => {
    const ready = lines(trayMenu(state({ update: { version: '1.5.0', waitingForAnswer: false } })));
    expect(
      ready.slice(ready.indexOf('Show Strat Coach -> show'), ready.indexOf('Show Strat Coach -> show') + 2),
    ).toEqual(['Show Strat Coach -> show', 'Restart to update (1.5.0) -> restart-to-update']);
    expect(lines(trayMenu(state({ update: { version: '1.5.0', waitingForAnswer: true } })))).toContain(
      'Restarting to update to 1.5.0 after the answer… [disabled]',
    );
    expect(lines(trayMenu(state())).join('\n')).not.toContain('update');
  });

  it('shows each bound shortcut beside its item', () => {
    const items = trayMenu(state()).filter((entry) => entry.type === 'item');
    expect(items.find((entry) => entry.label === 'Ask a question…')).toMatchObject({
      accelerator: 'CommandOrControl+Shift+Space',
    });
    expect(items.find((entry) => entry.label === 'Recapture pinned regions')).toMatchObject({
      accelerator: 'CommandOrControl+Shift+R',
    });
  });

  it('disables recapture while nothing is pinned', () => {
    expect(lines(trayMenu(state({ pinnedCount: 0 })))).toContain('Recapture pinned regions [disabled]');
  });

  it('has no preset lines (and no extra separator) when the trader removed every preset', () => {
    expect(lines(trayMenu(state({ presets: [] }))).slice(0, 5)).toEqual([
      'Free plan [disabled]',
      'Quota 42% — ≈ 27 chart questions left [disabled]',
      '---',
      'Ask a question… -> quick-question(null)',
      'Recapture pinned regions -> recapture-pinned',
    ]);
  });

  it('says which shortcut another app holds, and drops its keys from the item', () => {
    const menu = trayMenu(
      state({
        shortcuts: {
          ...shortcuts,
          quickQuestion: { ...shortcuts.quickQuestion, status: 'taken', message: 'held' },
          recapturePinned: { accelerator: 'Shift+R', label: '⇧R', status: 'invalid', message: 'typing' },
        },
      }),
    );
    expect(lines(menu)).toEqual(
      expect.arrayContaining([
        'Quick question shortcut ⌘⇧Space is taken by another app — change it in Settings [disabled]',
        'Recapture pinned regions shortcut ⇧R cannot be used — change it in Settings [disabled]',
      ]),
    );
    const ask = menu.find((entry) => entry.type === 'item' && entry.label === 'Ask a question…');
    expect(ask).not.toHaveProperty('accelerator');
  });

  it('offers sign-in when signed out, and not twice while signing in', () => {
    expect(lines(trayMenu(state({ session: { status: 'signed_out' } })))).toContain('Sign in… -> sign-in');
    expect(lines(trayMenu(state({ session: { status: 'signing_in' } })))).toContain('Sign in… [disabled] -> sign-in');
  });

  it('keeps a preset’s “&” as written on Windows and Linux menus', () => {
    const presets = [{ id: 'ts', title: 'Trigger & stop', question: 'Where?' }];
    expect(lines(trayMenu(state({ presets, platform: 'win32' })))[3]).toBe('Trigger && stop -> quick-question(ts)');
    expect(lines(trayMenu(state({ presets, platform: 'darwin' })))[3]).toBe('Trigger & stop -> quick-question(ts)');
  });
});

describe('trayTitle', () => {
  it('puts the meter’s percent beside the gauge on macOS only, floored as the label says it', () => {
    const view = meterView(signedIn, usage(99.95));
    expect(trayTitle(view, 'darwin')).toBe('99%');
    expect(view.label).toContain('99%');
    expect(trayTitle(view, 'win32')).toBe('');
    expect(trayTitle(meterView({ status: 'signed_out' }, null), 'darwin')).toBe('');
  });
});
