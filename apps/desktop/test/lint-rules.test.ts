// The import rules of docs/ARCHITECTURE.md, through ESLint's own API and the repository's eslint.config.js:
// each "never" of the table gets an import that breaks it and must be refused with its rule's message, and
// each layer one import it may make, which must pass. A rule that a later config block silently replaces
// fails here. Also: main is compiled without the DOM library.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

// Only the import rule runs, so the snippets need no type information (the files need not exist).
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfigFile: join(ROOT, 'eslint.config.js'),
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
});

async function lint(file: string, code: string) {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return result!.messages.map((message) => `${message.ruleId}: ${message.message}`);
}

const CONTRACT = 'The contract imports typebox only.';
const UPWARD = {
  routes: 'routes are registered by app.ts',
  plugins: 'plugins sit below routes',
  services: 'services sit below plugins and routes',
  db: 'db sits below services',
  config: 'config sits just above the contract',
  errors: 'errors.ts sits on the contract',
  chartReader: 'chart-reader is pure',
};

/** [file, an import it must not make, the rule's message]. */
const REFUSED: [string, string, string][] = [
  // Server: contract, then each layer upward.
  ['server/src/contract/chat.ts', "import { readFileSync } from 'node:fs';", CONTRACT],
  ['server/src/contract/chat.ts', "import type { FastifyInstance } from 'fastify';", CONTRACT],
  ['server/src/contract/chat.ts', "import { AppError } from '../errors.js';", CONTRACT],
  ['server/src/contract/chat.ts', "import { loadConfig } from '../config/env.js';", CONTRACT],
  ['server/src/errors.ts', "import { loadConfig } from './config/env.js';", UPWARD.errors],
  ['server/src/config/env.ts', "import type { MemoryGuardOptions } from '../services/memory-guard.js';", UPWARD.config],
  ['server/src/config/env.ts', "import { connectDatabase } from '../db/connect.js';", UPWARD.config],
  ['server/src/config/env.ts', "import { AppError } from '../errors.js';", UPWARD.config],
  ['server/src/db/connect.ts', "import { AppError } from '../errors.js';", UPWARD.db],
  ['server/src/db/repositories/usage.ts', "import { streamTurn } from '../../services/coach-stream.js';", UPWARD.db],
  ['server/src/db/repositories/usage.ts', "import databasePlugin from '../../plugins/database.js';", UPWARD.db],
  ['server/src/services/coach-stream.ts', "import { requireAuth } from '../plugins/auth.js';", UPWARD.services],
  ['server/src/services/coach-stream.ts', "import chatRoutes from '../routes/chat/index.js';", UPWARD.services],
  ['server/src/services/coach-stream.ts', "import { buildApp } from '../app.js';", UPWARD.services],
  ['server/src/plugins/auth.ts', "import chatRoutes from '../routes/chat/index.js';", UPWARD.plugins],
  ['server/src/routes/chat/index.ts', "import { buildApp } from '../../app.js';", UPWARD.routes],
  ['server/src/chart-reader/index.ts', "import type { ChatImage } from '../contract/chat.js';", UPWARD.chartReader],
  ['server/src/chart-reader/index.ts', "import { loadConfig } from '../config/env.js';", UPWARD.chartReader],
  ['server/src/app.ts', "import { host } from '@strat-coach/desktop/renderer';", 'does not import the desktop app'],
  // Desktop.
  ['apps/desktop/src/renderer/src/ui/Thread.tsx', "import { host } from '../host';", 'ui/ never imports the host'],
  ['apps/desktop/src/renderer/src/ui/Thread.tsx', "import { webHost } from '../host/web-host';", 'ui/ never'],
  ['apps/desktop/src/renderer/src/ui/Thread.tsx', "import { ipcRenderer } from 'electron';", 'no Electron'],
  ['apps/desktop/src/renderer/src/state/usage-store.ts', "import { join } from 'node:path';", 'no Electron, no Node'],
  ['apps/desktop/src/main/index.ts', "import { app, ipcMain } from 'electron';", 'ipcMain only in'],
  ['apps/desktop/src/main/tray.ts', "import { ipcMain as ipc } from 'electron';", 'ipcMain only in'],
  ['apps/desktop/src/main/index.ts', "import { App } from '../renderer/src/ui/App';", 'main never imports React'],
  ['apps/desktop/src/shared/meter.ts', "import { create } from 'zustand';", 'pure code only'],
  ['apps/desktop/src/preload/index.ts', "import { readFile } from 'node:fs/promises';", 'preload:'],
  ['apps/desktop/src/shared/host-api.ts', "import { loadConfig } from '@strat-coach/server/config';", 'Only @strat'],
  [
    'apps/desktop/src/shared/host-api.ts',
    "import type { ChatStreamRequest } from '../../../../server/src/contract/chat.js';",
    'Cross-package imports go through workspace names.',
  ],
];

/** [file, an import the table allows]: one per layer, as the code makes them. */
const ALLOWED: [string, string][] = [
  ['server/src/contract/index.ts', "import { Type } from 'typebox';\nexport * from './errors.js';"],
  ['server/src/errors.ts', "import { ERROR_STATUS } from './contract/errors.js';"],
  ['server/src/config/env.ts', "import { PING_INTERVAL_S } from '../contract/chat.js';"],
  ['server/src/db/connect.ts', "import type { Config } from '../config/env.js';"],
  ['server/src/services/coach-stream.ts', "import { AppError } from '../errors.js';\nimport '../db/database.js';"],
  ['server/src/plugins/auth.ts', "import { createTokenVerifier } from '../services/token-verifier.js';"],
  ['server/src/routes/chat/index.ts', "import { requireAuth } from '../../plugins/auth.js';"],
  ['server/src/app.ts', "import chatRoutes from './routes/chat/index.js';"],
  ['server/src/chart-reader/image.ts', "import sharp from 'sharp';"],
  ['server/src/services/chart-analysis.ts', "import { readChart } from '../chart-reader/index.js';"],
  ['apps/desktop/src/renderer/src/ui/Thread.tsx', "import { useUsageStore } from '../state/usage-store';"],
  ['apps/desktop/src/renderer/src/state/usage-store.ts', "import { host } from '../host';"],
  ['apps/desktop/src/main/ipc-router-electron.ts', "import { ipcMain } from 'electron';"],
  ['apps/desktop/src/main/index.ts', "import { app } from 'electron';\nimport type { X } from '../shared/host-api';"],
  ['apps/desktop/src/shared/coach-client.ts', "import type { ChatRequest } from '@strat-coach/server/contract';"],
];

describe('import rules', () => {
  it.each(REFUSED)('%s: %s is refused', async (file, code, message) => {
    const messages = await lint(file, code);
    expect(messages).toEqual([expect.stringContaining(message)]);
    expect(messages[0]).toMatch(/^no-restricted-imports: /);
  });

  it.each(ALLOWED)('%s: %s passes', async (file, code) => {
    expect(await lint(file, code)).toEqual([]);
  });
});

describe("main's types", () => {
  it('has no DOM: document is not a name in main', () => {
    const configPath = join(ROOT, 'apps/desktop/tsconfig.node.json');
    const parsed = ts.getParsedCommandLineOfConfigFile(
      configPath,
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
          throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
        },
      },
    )!;
    // A file that is not on disk, compiled with main's options.
    const file = join(ROOT, 'apps/desktop/src/main/dom-probe.ts');
    const host = ts.createCompilerHost(parsed.options);
    const readSource = host.getSourceFile.bind(host);
    host.getSourceFile = (name, language, ...rest) =>
      name === file
        ? ts.createSourceFile(name, 'export const title = document.title;\n', language)
        : readSource(name, language, ...rest);
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => name === file || fileExists(name);

    const program = ts.createProgram([file], { ...parsed.options, composite: false }, host);
    const errors = ts
      .getPreEmitDiagnostics(program, program.getSourceFile(file))
      .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    expect(errors).toEqual([expect.stringContaining("Cannot find name 'document'")]);
  });
});
