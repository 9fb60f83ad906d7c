// Screen capture in a plain browser: the browser's own picker (getDisplayMedia), one frame drawn into a
// canvas, and the tracks stopped at once so the "sharing" indicator goes away.
import type { CapturedFrame, HostError, HostResult } from '../shared';

const failure = (code: string, message: string): HostResult<CapturedFrame> => ({
  ok: false,
  error: { code, message, status: null } satisfies HostError,
});

/** Resolves once the video element has a decoded frame to draw (not merely metadata). */
function firstFrame(video: HTMLVideoElement): Promise<void> {
  return new Promise((resolve, reject) => {
    const ready = (): void => {
      if (typeof video.requestVideoFrameCallback === 'function') video.requestVideoFrameCallback(() => resolve());
      else resolve();
    };
    video.addEventListener('error', () => reject(new Error('the captured video could not be read')), { once: true });
    if (video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA) ready();
    else video.addEventListener('loadeddata', ready, { once: true });
  });
}

export async function captureDisplayFrame(): Promise<HostResult<CapturedFrame>> {
  if (!navigator.mediaDevices?.getDisplayMedia) {
    return failure('capture_unavailable', 'This browser cannot capture the screen. Paste or drop a chart image.');
  }
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
  } catch (error) {
    const cancelled = error instanceof DOMException && error.name === 'NotAllowedError';
    return cancelled
      ? failure('capture_cancelled', 'Screen capture was cancelled.')
      : failure('capture_failed', 'The screen could not be captured. Paste or drop a chart image instead.');
  }
  const [track] = stream.getVideoTracks();
  try {
    const video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    video.srcObject = stream;
    await video.play();
    await firstFrame(video);
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const context = canvas.getContext('2d');
    if (!context || canvas.width === 0 || canvas.height === 0) {
      return failure('capture_failed', 'The captured screen was empty.');
    }
    context.drawImage(video, 0, 0);
    video.srcObject = null;
    return {
      ok: true,
      value: {
        dataUrl: canvas.toDataURL('image/png'),
        width: canvas.width,
        height: canvas.height,
        // The stream is already in device pixels of whatever the trader picked; there is no display to ask.
        scaleFactor: 1,
        source: track?.label ?? 'screen',
      },
    };
  } catch {
    return failure('capture_failed', 'The screen could not be captured. Paste or drop a chart image instead.');
  } finally {
    for (const each of stream.getTracks()) each.stop();
  }
}
