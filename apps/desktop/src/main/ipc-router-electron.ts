// The IPC router's one door to Electron: the only file in main that touches ipcMain (ESLint enforces it), so
// every handler goes through the router's channel, frame and origin checks. ipc-router.ts stays pure and
// tested in Node; this file is covered by the _electron specs.
import { ipcMain } from 'electron';
import { createIpcRouter, type IpcRouter, type IpcRouterOptions } from './ipc-router';

export function createElectronIpcRouter(options: Omit<IpcRouterOptions, 'register'>): IpcRouter {
  return createIpcRouter({ ...options, register: (channel, listener) => ipcMain.handle(channel, listener) });
}
