// Strat Coach keeps itself out of its own captures: content protection where the OS has it (macOS,
// Windows); on Linux, where it does nothing, the visible coach window steps aside while the frame is taken.
import { describe, expect, it } from 'vitest';
import { createCaptureShield, hasContentProtection, type ShieldedWindow } from '../src/main/capture-shield';

function scene(visible: boolean) {
  const timeline: string[] = [];
  const window: ShieldedWindow & { visible: boolean } = {
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
  const freeze = async () => {
    timeline.push(window.visible ? 'frame with the coach' : 'frame without the coach');
    return 'frame';
  };
  return { window, freeze, timeline };
}

describe('hasContentProtection', () => {
  it('is macOS and Windows only', () => {
    expect(['darwin', 'win32', 'linux', 'freebsd'].filter(hasContentProtection)).toEqual(['darwin', 'win32']);
  });
});

describe('createCaptureShield', () => {
  it.each(['darwin', 'win32'])('on %s leaves the protected window where it is', async (platform) => {
    const { window, freeze, timeline } = scene(true);
    const shield = createCaptureShield({ platform, window: () => window, hideSettleMs: 1 });
    expect(await shield.whileFreezing(freeze)).toBe('frame');
    expect(timeline).toEqual(['frame with the coach']);
  });

  it('on Linux hides the visible coach window while the frame is taken, then shows it again', async () => {
    const { window, freeze, timeline } = scene(true);
    const shield = createCaptureShield({ platform: 'linux', window: () => window, hideSettleMs: 1 });
    expect(await shield.whileFreezing(freeze)).toBe('frame');
    expect(timeline).toEqual(['hide', 'frame without the coach', 'show']);
  });

  it('on Linux shows the window again when the capture fails', async () => {
    const { window, timeline } = scene(true);
    const shield = createCaptureShield({ platform: 'linux', window: () => window, hideSettleMs: 1 });
    await expect(shield.whileFreezing(() => Promise.reject(new Error('no screen')))).rejects.toThrow('no screen');
    expect(timeline).toEqual(['hide', 'show']);
  });

  it('on Linux leaves a hidden window (or none) alone', async () => {
    const { window, freeze, timeline } = scene(false);
    await createCaptureShield({ platform: 'linux', window: () => window, hideSettleMs: 1 }).whileFreezing(freeze);
    await createCaptureShield({ platform: 'linux', window: () => null, hideSettleMs: 1 }).whileFreezing(freeze);
    expect(timeline).toEqual(['frame without the coach', 'frame without the coach']);
  });
});
