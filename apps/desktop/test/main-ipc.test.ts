// The IPC wrapper: only declared channels can be registered, and each reaches its handler only from its own
// window's main frame on the app's origin — the crop channels from the crop window, every other channel from
// the coach window; other frames, windows and origins are refused and logged without their payload. The
// bridge registers a handler for every declared channel.
import { describe, expect, it } from 'vitest';
import { CROP_CHANNELS, INVOKE_CHANNELS, type InvokeChannel } from '../src/shared/ipc-channels';
import { createAppUrlPolicy } from '../src/main/app-url';
import {
  createIpcRouter,
  IpcRejectedError,
  type FrameLike,
  type InvokeEventLike,
  type InvokeListener,
  type IpcRouter,
} from '../src/main/ipc-router';
import { registerCoachHandlers, type BridgeDeps } from '../src/main/bridge';
import type { Logger, LogFields } from '../src/main/log';

const SECRET_ARG = 'payload-that-must-not-be-logged';

/** Records log lines; ipcMain.handle is replaced by a map of listeners, invoked like Electron would. */
function harness(options: { devServerUrl?: string; trusted?: FrameLike | null; crop?: FrameLike | null } = {}) {
  const lines: { level: string; message: string; fields?: LogFields }[] = [];
  const log: Logger = {
    info: (message, fields) => lines.push({ level: 'info', message, ...(fields ? { fields } : {}) }),
    warn: (message, fields) => lines.push({ level: 'warn', message, ...(fields ? { fields } : {}) }),
    error: (message, fields) => lines.push({ level: 'error', message, ...(fields ? { fields } : {}) }),
  };
  const listeners = new Map<string, InvokeListener>();
  const policy = createAppUrlPolicy(options.devServerUrl);
  const trusted = options.trusted === undefined ? appFrame : options.trusted;
  const router = createIpcRouter({
    register: (channel, listener) => listeners.set(channel, listener),
    coachFrame: () => trusted,
    cropFrame: () => options.crop ?? null,
    isAppUrl: policy.isAppUrl,
    log,
  });
  const invoke = (channel: string, event: InvokeEventLike, ...args: unknown[]) => {
    const listener = listeners.get(channel);
    if (!listener) throw new Error(`No handler registered for '${channel}'`);
    return listener(event, ...args);
  };
  return { router, listeners, lines, invoke };
}

const appFrame: FrameLike = { url: 'app://strat-coach/index.html', processId: 4, frameToken: 'main-frame' };
const cropFrame: FrameLike = { url: 'app://strat-coach/index.html#crop', processId: 7, frameToken: 'crop-frame' };
const sender = { send: () => undefined, isDestroyed: () => false };
const from = (senderFrame: FrameLike | null): InvokeEventLike => ({ senderFrame, sender });

describe('registering', () => {
  it('refuses a channel that ipc-channels does not declare', () => {
    const { router, listeners } = harness();
    expect(() => router.handle('shell:open-path' as InvokeChannel, () => undefined)).toThrow(/not declared/);
    expect(listeners.size).toBe(0);
  });

  it('refuses a second handler for the same channel', () => {
    const { router } = harness();
    router.handle('session:get', () => ({ status: 'signed_out' }));
    expect(() => router.handle('session:get', () => ({ status: 'signed_out' }))).toThrow(/already/);
  });
});

describe('calls', () => {
  it('reach the handler, with their arguments, from the coach window main frame', async () => {
    const { router, invoke } = harness();
    const seen: unknown[] = [];
    router.handle('api:messages', (_caller, args) => {
      seen.push(...args);
      return { ok: true, value: { items: [], nextCursor: null } };
    });

    await expect(invoke('api:messages', from(appFrame), 'conversation-1')).resolves.toEqual({
      ok: true,
      value: { items: [], nextCursor: null },
    });
    expect(seen).toEqual(['conversation-1']);
  });

  it('are accepted from the electron-vite dev server in development', async () => {
    const devFrame = { url: 'http://localhost:5173/', processId: 4, frameToken: 'main-frame' };
    const { router, invoke } = harness({ devServerUrl: 'http://localhost:5173', trusted: devFrame });
    router.handle('session:get', () => ({ status: 'signed_out' }));
    await expect(invoke('session:get', from(devFrame))).resolves.toEqual({ status: 'signed_out' });
  });

  it.each([
    ['another window', { url: 'app://strat-coach/index.html', processId: 9, frameToken: 'other-window' }],
    ['a subframe of the coach window', { url: 'app://strat-coach/index.html', processId: 4, frameToken: 'iframe' }],
    ['a frame with no identity', { url: 'app://strat-coach/index.html' }],
    ['a destroyed or navigated-away frame', null],
  ])('are refused from %s', async (_case, frame) => {
    const { router, invoke, lines } = harness();
    let called = false;
    router.handle('coach:ask', () => {
      called = true;
    });

    await expect(invoke('coach:ask', from(frame), SECRET_ARG)).rejects.toBeInstanceOf(IpcRejectedError);
    expect(called).toBe(false);
    expect(lines).toEqual([
      { level: 'warn', message: 'ipc call refused', fields: expect.objectContaining({ channel: 'coach:ask' }) },
    ]);
    expect(JSON.stringify(lines)).not.toContain(SECRET_ARG);
  });

  it('are refused from the main frame once it shows another origin, logged without path or query', async () => {
    // WebFrameMain keeps its identity across navigations: the frame is trusted, its URL is not the app's.
    const frame = { url: 'app://strat-coach/index.html', processId: 4, frameToken: 'main-frame' };
    const { router, invoke, lines } = harness({ trusted: frame });
    router.handle('api:usage', () => ({ ok: false, error: { code: 'x', message: 'x', status: null } }));
    frame.url = 'https://evil.example/steal?code=abc';

    await expect(invoke('api:usage', from(frame))).rejects.toBeInstanceOf(IpcRejectedError);
    expect(lines[0]?.fields).toEqual({
      channel: 'api:usage',
      reason: 'sender not on the app origin',
      sender: 'https://evil.example',
    });
  });

  it('are refused while there is no coach window', async () => {
    const { router, invoke } = harness({ trusted: null });
    router.handle('session:get', () => ({ status: 'signed_out' }));
    await expect(invoke('session:get', from(appFrame))).rejects.toBeInstanceOf(IpcRejectedError);
  });

  it('fail with a plain message when the handler throws; the detail stays in the log', async () => {
    const { router, invoke, lines } = harness();
    router.handle('capture:under-cursor', () => {
      throw new Error('EACCES /home/trader/secret/path');
    });

    const failure = invoke('capture:under-cursor', from(appFrame));
    await expect(failure).rejects.toThrow('capture:under-cursor failed');
    await expect(failure).rejects.not.toThrow(/secret/);
    expect(lines[0]).toMatchObject({ level: 'error', fields: { error: expect.stringContaining('EACCES') } });
  });
});

describe('per-channel trust', () => {
  /** Every channel registered, each answering its own name. */
  function everyChannel(options: { crop?: FrameLike | null } = {}) {
    const scene = harness({ crop: cropFrame, ...options });
    for (const channel of INVOKE_CHANNELS) scene.router.handle(channel, () => channel as never);
    return scene;
  }
  const coachChannels = INVOKE_CHANNELS.filter((channel) => !(CROP_CHANNELS as readonly string[]).includes(channel));

  it('lets the crop window call its own channels, with the #crop hash on the app origin', async () => {
    const { invoke } = everyChannel();
    for (const channel of CROP_CHANNELS) await expect(invoke(channel, from(cropFrame))).resolves.toBe(channel);
  });

  it('lets the crop window call nothing else', async () => {
    const { invoke, lines } = everyChannel();
    for (const channel of coachChannels) {
      await expect(invoke(channel, from(cropFrame), SECRET_ARG)).rejects.toBeInstanceOf(IpcRejectedError);
    }
    expect(lines).toHaveLength(coachChannels.length);
    expect(lines[0]?.fields).toMatchObject({ reason: 'not the coach window main frame' });
  });

  it('keeps the coach window (and any other frame) off the crop channels', async () => {
    const { invoke, lines } = everyChannel();
    const subframe = { ...cropFrame, frameToken: 'iframe-in-crop' };
    for (const channel of CROP_CHANNELS) {
      await expect(invoke(channel, from(appFrame))).rejects.toBeInstanceOf(IpcRejectedError);
      await expect(invoke(channel, from(subframe))).rejects.toBeInstanceOf(IpcRejectedError);
    }
    expect(lines[0]?.fields).toMatchObject({ channel: 'crop:frame', reason: 'not the crop window main frame' });
  });

  it('refuses the crop channels while no crop window is open, and from a crop window that left the app', async () => {
    await expect(everyChannel({ crop: null }).invoke('crop:done', from(cropFrame))).rejects.toBeInstanceOf(
      IpcRejectedError,
    );
    const strayed = { ...cropFrame, url: 'https://evil.example/#crop' };
    const { invoke, lines } = everyChannel({ crop: strayed });
    await expect(invoke('crop:done', from(strayed))).rejects.toBeInstanceOf(IpcRejectedError);
    expect(lines[0]?.fields).toMatchObject({ reason: 'sender not on the app origin', sender: 'https://evil.example' });
  });
});

describe('the bridge', () => {
  it('registers a handler for every declared channel, through the router', () => {
    const channels: string[] = [];
    const router: IpcRouter = { handle: (channel) => void channels.push(channel) };
    registerCoachHandlers({
      router,
      session: { onChange: () => () => undefined } as unknown as BridgeDeps['session'],
      client: {} as BridgeDeps['client'],
      streams: {} as BridgeDeps['streams'],
      capture: {} as BridgeDeps['capture'],
      settings: {} as BridgeDeps['settings'],
      updates: {} as BridgeDeps['updates'],
      openBillingPage: async () => undefined,
      whenBack: () => undefined,
      refreshUsage: () => undefined,
      push: () => {
        throw new Error('not called while registering');
      },
    });
    expect([...channels].sort()).toEqual([...INVOKE_CHANNELS].sort());
  });
});
