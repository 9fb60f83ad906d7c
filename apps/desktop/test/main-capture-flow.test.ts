// The capture flow: the coach window steps aside while the screen is frozen, and a quick question's frame
// (taken before the window comes forward) is what the renderer's next capture call gets, once.
import { describe, expect, it } from 'vitest';
import type { CapturedFrame, HostResult } from '../src/shared/host-api';
import { createCaptureFlow, type CaptureWindow } from '../src/main/capture-flow';

function scene(visible: boolean) {
  const timeline: string[] = [];
  let shots = 0;
  const window: CaptureWindow & { visible: boolean } = {
    visible,
    isVisible: () => window.visible,
    hide: () => {
      window.visible = false;
      timeline.push('hide');
    },
    show: () => {
      window.visible = true;
      timeline.push('show');
    },
  };
  const capture = async (): Promise<HostResult<CapturedFrame>> => {
    shots += 1;
    timeline.push(window.visible ? 'capture with the window' : 'capture without the window');
    return {
      ok: true,
      value: { dataUrl: `data:image/png;base64,${shots}`, width: 1, height: 1, scaleFactor: 1, source: 'Screen 1' },
    };
  };
  return { window, capture, timeline };
}

describe('createCaptureFlow', () => {
  it('hides a visible coach window while it captures, then shows it again', async () => {
    const { window, capture, timeline } = scene(true);
    const flow = createCaptureFlow({ capture, window: () => window, hideSettleMs: 1 });

    expect(await flow.captureForRenderer()).toMatchObject({ ok: true });
    expect(timeline).toEqual(['hide', 'capture without the window', 'show']);
  });

  it('leaves a hidden window alone', async () => {
    const { window, capture, timeline } = scene(false);
    await createCaptureFlow({ capture, window: () => window, hideSettleMs: 1 }).captureForRenderer();
    expect(timeline).toEqual(['capture without the window']);
  });

  it('hands the quick question’s frame to the next capture call, once, while it is fresh', async () => {
    let clock = 0;
    const { window, capture } = scene(false);
    const flow = createCaptureFlow({
      capture,
      window: () => window,
      hideSettleMs: 1,
      pendingTtlMs: 1_000,
      now: () => clock,
    });

    await flow.captureForQuickQuestion();
    window.visible = true;
    expect(await flow.captureForRenderer()).toMatchObject({ value: { dataUrl: 'data:image/png;base64,1' } });
    expect(await flow.captureForRenderer()).toMatchObject({ value: { dataUrl: 'data:image/png;base64,2' } });

    await flow.captureForQuickQuestion();
    clock += 1_001;
    expect(await flow.captureForRenderer()).toMatchObject({ value: { dataUrl: 'data:image/png;base64,4' } });
  });
});
