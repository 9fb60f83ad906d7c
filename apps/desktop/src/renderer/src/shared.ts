// The renderer's door to apps/desktop/src/shared (the window.coach contract, the coach client, capture and
// region geometry, labels, pinned regions, presets, shortcuts, the quota meter): folders below src/ import it
// from here rather than climbing out of the renderer.
export * from '../../shared/host-api';
export * from '../../shared/coach-client';
export * from '../../shared/conversation-paths';
export * from '../../shared/capture-geometry';
export * from '../../shared/region-geometry';
export * from '../../shared/timeframes';
export * from '../../shared/pinned-regions';
export * from '../../shared/presets';
export * from '../../shared/shortcut-settings';
export * from '../../shared/theme';
export * from '../../shared/meter';
export * from '../../shared/usage-after-answer';
export * from '../../shared/billing-page';
export * from '../../shared/auth/errors';
export * from '../../shared/auth/oauth-client';
export * from '../../shared/auth/session';
export * from '../../shared/auth/session-client';
