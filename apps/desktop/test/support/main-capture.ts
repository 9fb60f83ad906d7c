// A fake desktop for main's capture modules: displays and windows as Electron's screen module and
// desktopCapturer report them (thumbnails fitted inside the asked size, sources in their own order), and
// images that record what was done to them and encode to a chosen number of bytes.
import type { Rect, Size } from '../../src/shared/capture-geometry';
import type { CapturePorts, DisplayLike, ImageLike, SourceLike } from '../../src/main/capture';

export interface FakeWindow {
  id: string;
  name: string;
  /** The window's own size in device pixels. */
  size: Size;
}

export interface ImageOptions {
  /** Bytes of the PNG of an image of this size (default: 1 byte a pixel). */
  pngBytes?: (size: Size) => number;
  jpegBytes?: (size: Size, quality: number) => number;
}

/** An image of `size` whose operations are written to `log`. */
export function fakeImage(name: string, size: Size, log: string[], options: ImageOptions = {}): ImageLike {
  const pngBytes = options.pngBytes ?? ((s: Size) => s.width * s.height);
  const jpegBytes =
    options.jpegBytes ?? ((s: Size, quality: number) => Math.round((s.width * s.height * quality) / 1000));
  return {
    isEmpty: () => size.width === 0 || size.height === 0,
    getSize: () => ({ ...size }),
    toDataURL: () => `data:image/png;base64,${name}`,
    crop: (rect: Rect) => {
      log.push(`crop ${rect.x},${rect.y} ${rect.width}x${rect.height}`);
      return fakeImage(`${name}/crop`, { width: rect.width, height: rect.height }, log, options);
    },
    resize: ({ width, height, quality }) => {
      log.push(`resize ${width}x${height} ${quality}`);
      return fakeImage(`${name}/resized`, { width, height }, log, options);
    },
    toPNG: () => {
      log.push('png');
      return Buffer.alloc(pngBytes(size), 1);
    },
    toJPEG: (quality: number) => {
      log.push(`jpeg ${quality}`);
      return Buffer.alloc(jpegBytes(size, quality), 2);
    },
  };
}

/** Electron fits a thumbnail inside the asked size, keeping the source's aspect ratio. */
const fitInside = (source: Size, box: Size): Size => {
  if (box.width === 0 || box.height === 0) return { width: 0, height: 0 };
  const scale = Math.min(box.width / source.width, box.height / source.height);
  return { width: Math.round(source.width * scale), height: Math.round(source.height * scale) };
};

export interface FakeDesktop {
  displays: DisplayLike[];
  windows: FakeWindow[];
  cursorOn: number;
  coachOn: number | null;
  ownIds: string[];
  screenAccess?: string;
  /** What macOS does before Screen Recording is allowed. */
  emptyThumbnails: boolean;
  failSources: boolean;
}

export function fakeDesktop(
  initial: Partial<FakeDesktop> & { displays: DisplayLike[] },
  imageOptions: ImageOptions = {},
) {
  const desktop: FakeDesktop = {
    windows: [],
    cursorOn: initial.displays[0]!.id,
    coachOn: null,
    ownIds: [],
    emptyThumbnails: false,
    failSources: false,
    ...initial,
  };
  const requests: { types: string[]; thumbnailSize: Size }[] = [];
  const imageLog: string[] = [];
  const thumbnail = (name: string, size: Size) =>
    fakeImage(name, desktop.emptyThumbnails ? { width: 0, height: 0 } : size, imageLog, imageOptions);

  const ports: CapturePorts = {
    displays: () => desktop.displays,
    cursorDisplay: () => desktop.displays.find((display) => display.id === desktop.cursorOn)!,
    coachDisplayId: () => desktop.coachOn,
    getSources: async ({ types, thumbnailSize }) => {
      requests.push({ types: [...types], thumbnailSize });
      if (desktop.failSources) throw new Error('desktopCapturer failed');
      const sources: SourceLike[] = [];
      // desktopCapturer's order is not the screen module's.
      if (types.includes('screen')) {
        for (const [index, display] of [...desktop.displays].reverse().entries()) {
          const size = fitInside(
            { width: display.bounds.width * display.scaleFactor, height: display.bounds.height * display.scaleFactor },
            thumbnailSize,
          );
          const id = `screen:${index}:0`;
          sources.push({
            id,
            name: `Screen ${index + 1}`,
            display_id: String(display.id),
            thumbnail: thumbnail(id, size),
          });
        }
      }
      if (types.includes('window')) {
        for (const window of desktop.windows) {
          const size = fitInside(window.size, thumbnailSize);
          sources.push({ id: window.id, name: window.name, display_id: '', thumbnail: thumbnail(window.id, size) });
        }
      }
      return sources;
    },
    ownWindowIds: () => desktop.ownIds,
    ...(initial.screenAccess === undefined ? {} : { screenAccess: () => desktop.screenAccess ?? 'granted' }),
  };
  return { desktop, ports, requests, imageLog };
}

// A 1.25x laptop panel, and a 4K monitor to its right, a bit higher, at 2x.
export const laptop: DisplayLike = {
  id: 101,
  bounds: { x: 0, y: 0, width: 1536, height: 864 },
  scaleFactor: 1.25,
  label: 'Built-in Retina Display',
};
export const monitor: DisplayLike = {
  id: 202,
  bounds: { x: 1536, y: -300, width: 1920, height: 1080 },
  scaleFactor: 2,
  label: 'DELL U2720Q',
};
export const tradingView: FakeWindow = {
  id: 'window:4242:0',
  name: 'TradingView — SPY',
  size: { width: 2400, height: 1600 },
};
export const coachWindowSource: FakeWindow = {
  id: 'window:77:1',
  name: 'Strat Coach',
  size: { width: 880, height: 1360 },
};
