// `npm start` / `npm run start:web`: builds the app, starts the server on its embedded default (or
// whatever the environment configures), then opens the desktop app — or, where no Electron binary can
// be had, says so in one line and serves the web version at the server's address.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findElectronBinary } from './electron-binary';

// First, the server's own Node check (one rule, one message for both): on a Node older than `engines` it stops the
// process in one line. Imported by URL because the server is another TypeScript project; tsx loads it.
await import(new URL('../../../server/src/config/require-node.ts', import.meta.url).href);

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const mode = process.argv.includes('--web') ? 'web' : 'desktop';
const host = process.env.HOST ?? '127.0.0.1';
const port = process.env.PORT ?? '3001';
const serverUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
const children: ChildProcess[] = [];

const say = (line: string) => console.log(`strat-coach: ${line}`);

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: 'inherit' });
  children.push(child);
  return child;
}

/** How long the server may take to finish its in-flight requests before this gives up waiting. */
const STOP_GRACE_MS = 15_000;

/**
 * Stops the children and exits once they have: the server finishes its in-flight answers and closes its
 * database first, so a Ctrl+C (or a supervisor's SIGTERM) returns only when everything has stopped.
 */
let stopping = false;
function stopAll(code: number): void {
  if (stopping) return;
  stopping = true;
  const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
  for (const child of running) child.kill('SIGTERM');
  const exited = running.map((child) => new Promise((resolve) => child.once('exit', resolve)));
  const deadline = new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref());
  void Promise.race([Promise.all(exited), deadline]).then(() => process.exit(code));
}
process.once('SIGINT', () => stopAll(0));
process.once('SIGTERM', () => stopAll(0));

async function waitForServer(child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt += 1) {
    if (child.exitCode !== null) throw new Error('the server stopped while starting (see its log above)');
    try {
      if ((await fetch(`${serverUrl}/api/v1/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the server did not answer at ${serverUrl}`);
}

async function main(): Promise<void> {
  say('building the app…');
  const build = run(process.execPath, [
    'node_modules/electron-vite/bin/electron-vite.js',
    'build',
    '--logLevel',
    'warn',
  ]);
  const built = await new Promise<number | null>((resolve) => build.once('exit', resolve));
  if (built !== 0) return stopAll(built ?? 1);

  const server = run(process.execPath, ['--import', 'tsx', 'server/src/server.ts']);
  server.once('exit', (code) => stopAll(code ?? 0));
  await waitForServer(server);

  if (mode === 'desktop') {
    // `npm ci` does not fetch the binary (package.json's allowScripts): its install.js, run by hand, downloads it.
    const electron = findElectronBinary();
    if (electron.path) {
      say(`opening the desktop app against ${serverUrl}`);
      const app = run(electron.path, ['out/main/index.js'], { ...process.env, STRAT_COACH_SERVER_URL: serverUrl });
      app.once('exit', (code) => stopAll(code ?? 0));
      return;
    }
    say(
      `no Electron binary (${electron.reason}): run \`node node_modules/electron/install.js\` to fetch it; serving the web version meanwhile.`,
    );
  }
  say(`open ${serverUrl}/ in your browser (Ctrl+C stops)`);
}

main().catch((error: unknown) => {
  console.error(`strat-coach: ${error instanceof Error ? error.message : String(error)}`);
  stopAll(1);
});
