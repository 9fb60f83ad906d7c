// Screen capture in a plain browser: the browser's own picker (getDisplayMedia), one frame drawn into a
// canvas, and the tracks stopped at once so the "sharing" indicator goes away. The frame is then cropped
// in the page's own overlay, or cut to a remembered rectangle of the shared screen (a pinned region).
import { encodeChart, loadImage, wholeImage } from '../chart/encode-chart';
import {
  scaleRegionToFrame,
  type CapturedChart,
  type CapturedFrame,
  type CropFrame,
  type HostError,
  type HostResult,
  type PinnedRegion,
  type Rect,
} from '../shared';

/** The browser lets the trader pick what to share each time: one "display" stands for whatever they shared. */
export const SHARED_SCREEN = 'shared-screen';

const failure = <T>(code: string, message: string): HostResult<T> => ({
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

/** How long a shared source may take to give its first frame (a minimised window never does). */
const FIRST_FRAME_TIMEOUT_MS = 10_000;

/** Rejects when the trader stops sharing, or no frame comes in time, so a capture never hangs. */
function giveUp(track: MediaStreamTrack | undefined): { promise: Promise<never>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onEnded = (): void => undefined;
  const promise = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('no frame came')), FIRST_FRAME_TIMEOUT_MS);
    onEnded = () => reject(new Error('sharing stopped'));
    track?.addEventListener('ended', onEnded, { once: true });
  });
  return {
    promise,
    cancel: () => {
      clearTimeout(timer);
      track?.removeEventListener('ended', onEnded);
    },
  };
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
  const timeout = giveUp(track);
  try {
    const video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    video.srcObject = stream;
    await Promise.race([video.play().then(() => firstFrame(video)), timeout.promise]);
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
    timeout.cancel();
    for (const each of stream.getTracks()) each.stop();
  }
}

/** The frame's region, encoded as the chart to send, with where it came from (to pin it). */
async function encodeRegion(frame: CapturedFrame, rect: Rect): Promise<HostResult<CapturedChart>> {
  try {
    const image = await encodeChart(await loadImage(frame.dataUrl), rect);
    return {
      ok: true,
      value: {
        image,
        region: {
          source: { kind: 'display', displayId: SHARED_SCREEN },
          rect,
          sourceSize: { width: frame.width, height: frame.height },
          sourceName: frame.source,
        },
      },
    };
  } catch {
    return failure('capture_failed', 'The captured screen could not be turned into a chart.');
  }
}

/** Capture, then crop in the page: `presentCrop` shows the overlay and resolves with the region or null. */
export async function captureChart(
  presentCrop: (frame: CropFrame) => Promise<Rect | null>,
): Promise<HostResult<CapturedChart>> {
  const captured = await captureDisplayFrame();
  if (!captured.ok) return captured;
  const frame = captured.value;
  const rect = await presentCrop({ ...frame, sourceName: frame.source });
  if (!rect) return failure('capture_cancelled', 'The capture was cancelled.');
  return encodeRegion(frame, rect);
}

/** A pinned region: the trader shares the screen again; the same part of it is cut without asking. */
export async function captureRegion(region: PinnedRegion): Promise<HostResult<CapturedChart>> {
  const captured = await captureDisplayFrame();
  if (!captured.ok) return captured;
  const frame = captured.value;
  return encodeRegion(frame, scaleRegionToFrame(region.rect, region.sourceSize, frame));
}

/** The whole shared screen. */
export async function captureWhole(): Promise<HostResult<CapturedChart>> {
  const captured = await captureDisplayFrame();
  return captured.ok ? encodeRegion(captured.value, wholeImage(captured.value)) : captured;
}
