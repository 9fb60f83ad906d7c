// Starts a command from the repository root as a real process (its own process group) and waits for
// a line of its output; stops the whole group.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { eventually } from './eventually.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningProcess {
  child: ChildProcess;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code once the process has ended on its own. */
  exit(): Promise<number | null>;
  /** Sends a signal to the whole group and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * What the Dockerfile's runtime stage sets for the process beyond the app's own configuration (deploy-files.test.ts
 * checks the two agree): the benches run the server with it, as the container does.
 */
export const CONTAINER_PROCESS_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

export function startProcess(command: string, args: string[], env: Record<string, string>): RunningProcess {
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    for (const wake of waiters) wake();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  // 'close': every process of the group that shares our pipes is gone, and all output is read.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));

  return {
    child,
    output: () => output,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(output)) {
            cleanup();
            resolve();
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern}; output so far:\n${output}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        void exited.then(() => {
          if (!pattern.test(output)) {
            cleanup();
            reject(new Error(`process exited before ${pattern}; output:\n${output}`));
          }
        });
        check();
      });
    },
    exit: () => exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.pid !== undefined) {
        try {
          process.kill(-child.pid, signal);
        } catch {
          // Already gone.
        }
      }
      return exited;
    },
  };
}

/** Waits (up to a minute) until the server at `url` answers its health check. */
export async function waitForHealth(url: string): Promise<void> {
  const healthy = async () => ((await fetch(`${url}/api/v1/health`).catch(() => null))?.ok ? true : undefined);
  await eventually(healthy, 60_000, `a healthy server at ${url}`);
}
