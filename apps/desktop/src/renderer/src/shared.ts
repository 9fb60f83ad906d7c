// The renderer's door to apps/desktop/src/shared (the window.coach contract, the coach client, the capture
// geometry): folders below src/ import it from here rather than climbing out of the renderer.
export * from '../../shared/host-api';
export * from '../../shared/coach-client';
export * from '../../shared/capture-geometry';
