// The IPC wrapper: only declared channels can be registered, and only the coach window's own main frame on
// the app's origin reaches a handler; other frames, windows and origins are refused and logged without
// their payload. The bridge registers a handler for every declared channel.
import { describe, expect, it } from 'vitest';
import { INVOKE_CHANNELS, type InvokeChannel } from '../src/shared/ipc-channels';
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
function harness(options: { devServerUrl?: string; trusted?: FrameLike | null } = {}) {
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
    trustedFrame: () => trusted,
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
      return { ok: true, value: { items: [] } };
    });

    await expect(invoke('api:messages', from(appFrame), 'conversation-1')).resolves.toEqual({
      ok: true,
      value: { items: [] },
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
    router.handle('capture:screen', () => {
      throw new Error('EACCES /home/trader/secret/path');
    });

    const failure = invoke('capture:screen', from(appFrame));
    await expect(failure).rejects.toThrow('capture:screen failed');
    await expect(failure).rejects.not.toThrow(/secret/);
    expect(lines[0]).toMatchObject({ level: 'error', fields: { error: expect.stringContaining('EACCES') } });
  });
});

describe('the bridge', () => {
  it('registers a handler for every declared channel, through the router', () => {
    const channels: string[] = [];
    const router: IpcRouter = { handle: (channel) => void channels.push(channel) };
    const unused = () => {
      throw new Error('not called while registering');
    };
    registerCoachHandlers({
      router,
      session: { onChange: () => () => undefined } as unknown as BridgeDeps['session'],
      client: {} as BridgeDeps['client'],
      streams: {} as BridgeDeps['streams'],
      capture: unused,
      push: unused,
    });
    expect([...channels].sort()).toEqual([...INVOKE_CHANNELS].sort());
  });
});
