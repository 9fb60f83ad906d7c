// The one wrapper through which main registers IPC handlers: only declared channels, each only from its own
// window's main frame on the app's origin (crop channels from the crop window, all others from the coach
// window). Anything else is refused and logged, without payload.
import { isCropChannel, isInvokeChannel, type InvokeChannel, type InvokeResult } from '../shared/ipc-channels';
import { describeError, type Logger } from './log';
import { loggableOrigin } from './app-url';

/** What the wrapper reads of Electron's WebFrameMain. */
export interface FrameLike {
  readonly url: string;
  readonly processId?: number;
  readonly frameToken?: string;
}

/** What the wrapper reads of Electron's WebContents (the sender). */
export interface SenderLike {
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

/** The part of Electron's IpcMainInvokeEvent the wrapper reads. */
export interface InvokeEventLike {
  readonly senderFrame: FrameLike | null;
  readonly sender: SenderLike;
}

export type InvokeListener = (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>;

export interface IpcRouterOptions {
  /** ipcMain.handle. */
  register(channel: string, listener: InvokeListener): void;
  /** The coach window's webContents.mainFrame, or null when there is no window. */
  coachFrame(): FrameLike | null;
  /** The crop window's webContents.mainFrame, or null while no crop is open. */
  cropFrame(): FrameLike | null;
  isAppUrl: (url: string) => boolean;
  log: Logger;
}

/**
 * A handler gets the caller and the raw arguments: they come from a renderer, so they are `unknown` and
 * each handler checks them.
 */
export type InvokeHandler<C extends InvokeChannel> = (
  caller: { sender: SenderLike },
  args: readonly unknown[],
) => InvokeResult<C> | Promise<InvokeResult<C>>;

export interface IpcRouter {
  handle<C extends InvokeChannel>(channel: C, handler: InvokeHandler<C>): void;
}

export class IpcRejectedError extends Error {
  constructor(channel: string) {
    super(`IPC call to ${channel} was refused`);
    this.name = 'IpcRejectedError';
  }
}

// Electron hands out one WebFrameMain per frame, so identity is the check; the token comparison covers a
// wrapper re-created for the same frame.
const sameFrame = (a: FrameLike, b: FrameLike) =>
  a === b ||
  (a.processId !== undefined &&
    a.processId === b.processId &&
    a.frameToken !== undefined &&
    a.frameToken === b.frameToken);

/**
 * Why a call must be refused, or null when it comes from the main frame of the window the channel belongs
 * to, on the app's origin (the crop window's `#crop` is a hash: the origin check ignores it).
 */
export function senderRejection(
  event: InvokeEventLike,
  trusted: { frame: FrameLike | null; window: 'coach' | 'crop' },
  isAppUrl: (url: string) => boolean,
): string | null {
  const frame = event.senderFrame;
  // Null once the frame navigated away or was destroyed: whoever it was, it is not the app any more.
  if (!frame) return 'sender frame gone';
  if (!trusted.frame || !sameFrame(frame, trusted.frame)) return `not the ${trusted.window} window main frame`;
  if (!isAppUrl(frame.url)) return 'sender not on the app origin';
  return null;
}

export function createIpcRouter(options: IpcRouterOptions): IpcRouter {
  const registered = new Set<string>();
  return {
    handle(channel, handler) {
      // Typed callers cannot get here with another channel; a cast or a stale build can.
      if (!isInvokeChannel(channel)) throw new Error(`IPC channel ${String(channel)} is not declared in ipc-channels`);
      if (registered.has(channel)) throw new Error(`IPC channel ${channel} already has a handler`);
      registered.add(channel);
      const trusted = isCropChannel(channel)
        ? () => ({ frame: options.cropFrame(), window: 'crop' as const })
        : () => ({ frame: options.coachFrame(), window: 'coach' as const });
      options.register(channel, async (event, ...args) => {
        const reason = senderRejection(event, trusted(), options.isAppUrl);
        if (reason) {
          options.log.warn('ipc call refused', { channel, reason, sender: loggableOrigin(event.senderFrame?.url) });
          throw new IpcRejectedError(channel);
        }
        try {
          return await handler({ sender: event.sender }, args);
        } catch (error) {
          // Electron would pass the message (paths, internals) to the renderer: log it here, send a plain one.
          options.log.error('ipc handler failed', { channel, error: describeError(error) });
          throw new Error(`${channel} failed`, { cause: error });
        }
      });
    },
  };
}
