// docs/ARCHITECTURE.md's two import tables are read here and held against the code: every "yes" is an
// import some file really makes, and every "never" is an import ESLint (the repository's eslint.config.js)
// refuses. A table edited without the code, or a rule dropped from the config, fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const DOC = readFileSync(join(ROOT, 'docs/ARCHITECTURE.md'), 'utf8');

/** The table under `heading`: its column names and, per row, the row's name and cells. */
function table(heading: string): { columns: string[]; rows: { from: string; cells: string[] }[] } {
  const lines = DOC.slice(DOC.indexOf(heading)).split('\n');
  const start = lines.findIndex((line) => line.startsWith('|'));
  const after = lines.findIndex((line, index) => index > start && !line.startsWith('|'));
  const split = (line: string) =>
    line
      .slice(1, -1)
      .split('|')
      .map((cell) => cell.trim());
  const [head, , ...body] = lines.slice(start, after);
  const columns = split(head!).slice(1);
  return { columns, rows: body.map((line) => ({ from: split(line)[0]!, cells: split(line).slice(1) })) };
}

interface Layer {
  /** A file of the layer, as the snippet's path. */
  file: string;
  /** A module of the layer to import, as a path from the root or a package name. */
  module: string;
  /** Whether a resolved import (a root-relative path, or a package name) lands in the layer. */
  holds: (target: string) => boolean;
}

const under = (folder: string) => (target: string) => target.startsWith(folder);
const SERVER: Record<string, Layer> = {
  routes: {
    file: 'server/src/routes/x/index.ts',
    module: 'server/src/routes/chat/index.js',
    holds: under('server/src/routes/'),
  },
  plugins: {
    file: 'server/src/plugins/x.ts',
    module: 'server/src/plugins/auth.js',
    holds: under('server/src/plugins/'),
  },
  services: {
    file: 'server/src/services/x.ts',
    module: 'server/src/services/coach-stream.js',
    holds: under('server/src/services/'),
  },
  db: { file: 'server/src/db/x.ts', module: 'server/src/db/database.js', holds: under('server/src/db/') },
  config: { file: 'server/src/config/x.ts', module: 'server/src/config/env.js', holds: under('server/src/config/') },
  'errors.ts': {
    file: 'server/src/errors.ts',
    module: 'server/src/errors.js',
    holds: (target) => target === 'server/src/errors',
  },
  contract: {
    file: 'server/src/contract/x.ts',
    module: 'server/src/contract/chat.js',
    holds: under('server/src/contract/'),
  },
};
const DESKTOP: Record<string, Layer> = {
  'contract (`@strat-coach/server/contract`)': {
    file: '',
    module: '@strat-coach/server/contract',
    holds: (target) => target === '@strat-coach/server/contract',
  },
  shared: {
    file: 'apps/desktop/src/shared/x.ts',
    module: 'apps/desktop/src/shared/meter',
    holds: under('apps/desktop/src/shared/'),
  },
  main: {
    file: 'apps/desktop/src/main/x.ts',
    module: 'apps/desktop/src/main/tray',
    holds: under('apps/desktop/src/main/'),
  },
  preload: {
    file: 'apps/desktop/src/preload/x.ts',
    module: 'apps/desktop/src/preload/index',
    holds: under('apps/desktop/src/preload/'),
  },
  renderer: {
    file: 'apps/desktop/src/renderer/src/state/x.ts',
    module: 'apps/desktop/src/renderer/src/state/session-store',
    holds: under('apps/desktop/src/renderer/'),
  },
  '`electron`': { file: '', module: 'electron', holds: (target) => target === 'electron' },
  '`node:*`': { file: '', module: 'node:fs', holds: (target) => target.startsWith('node:') },
  'React, zustand': { file: '', module: 'react', holds: (target) => /^(react|react-dom|zustand)(\/|$)/.test(target) },
};

/** The specifier a file of `from` writes to import `to`'s module. */
function specifier(from: Layer, to: Layer): string {
  if (!to.module.includes('/src/')) return to.module;
  const path = relative(dirname(from.file), to.module);
  return path.startsWith('.') ? path : `./${path}`;
}

/** Every source file under `folder`, with the imports it makes, resolved to root-relative paths or packages. */
function importsUnder(folder: string): { file: string; targets: string[] }[] {
  const files = readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.tsx?$/.test(file) && !file.endsWith('.d.ts'))
    .map((file) => join(folder, file));
  const pattern = /(?:^|\n)\s*(?:import|export)\b[^'"]*?(?:from\s*)?['"]([^'"]+)['"]/g;
  return files.map((file) => {
    const source = readFileSync(join(ROOT, file), 'utf8');
    const targets = [...source.matchAll(pattern)].map(([, spec]) =>
      spec!.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(file), spec!)).replace(/\.(js|ts|tsx)$/, '') : spec!,
    );
    return { file, targets };
  });
}

const eslint = new ESLint({
  cwd: ROOT,
  overrideConfigFile: join(ROOT, 'eslint.config.js'),
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
});
async function refused(file: string, code: string): Promise<boolean> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return result!.messages.some((message) => message.ruleId === 'no-restricted-imports');
}

const cases = (heading: string, layers: Record<string, Layer>, folders: string[]) => {
  const { columns, rows } = table(heading);
  const code = folders.flatMap(importsUnder);
  const arrows = rows.flatMap(({ from, cells }) => cells.map((cell, index) => ({ from, to: columns[index]!, cell })));
  return { arrows, code, layers };
};

describe.each([
  { heading: '## The server: a one-way stack', layers: SERVER, folders: ['server/src'] },
  { heading: '## The desktop app: one process per folder', layers: DESKTOP, folders: ['apps/desktop/src'] },
])('docs/ARCHITECTURE.md, $heading', ({ heading, layers, folders }) => {
  const { arrows, code } = cases(heading, layers, folders);

  it('names only layers this test knows, in every row and column', () => {
    for (const { from, to } of arrows) {
      expect(Object.keys(layers)).toContain(to);
      expect(Object.keys(layers).some((name) => name === from || name.startsWith(`${from} `))).toBe(true);
    }
  });

  const layerOf = (name: string) =>
    layers[name] ?? Object.entries(layers).find(([key]) => key.startsWith(`${name} `))![1];

  it.each(arrows.filter(({ cell }) => cell.startsWith('yes')).map(({ from, to }) => [from, to]))(
    '%s → %s: "yes", and the code makes that import',
    (from, to) => {
      const source = layerOf(from);
      const target = layerOf(to);
      const made = code.filter(
        ({ file, targets }) => source.holds(file.replace(/\.(ts|tsx)$/, '')) && targets.some(target.holds),
      );
      expect(made.map(({ file }) => file)).not.toEqual([]);
    },
  );

  it.each(arrows.filter(({ cell }) => cell.startsWith('never')).map(({ from, to }) => [from, to]))(
    '%s → %s: "never", and ESLint refuses it',
    async (from, to) => {
      const source = layerOf(from);
      const snippet = `import * as x from '${specifier(source, layerOf(to))}';\nexport { x };\n`;
      expect(await refused(source.file, snippet), `${source.file}: ${snippet}`).toBe(true);
    },
  );
});
