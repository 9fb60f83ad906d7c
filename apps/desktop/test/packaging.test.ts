// The installers' configuration, read as electron-builder reads it. `npm run dist` cannot run here (it
// downloads Electron's binary), so this checks what it would build: a config electron-builder's own schema
// accepts, every fuse, the targets per OS, the update feed, the files, and the icons made from one SVG.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ICON_SOURCE, LINUX_SIZES, renderIcons } from '../scripts/icons';

const ROOT = join(import.meta.dirname, '../../..');
const CONFIG_FILE = join(ROOT, 'electron-builder.yml');
/** The parts of electron-builder's Configuration this file reads (its own type is a wide union). */
interface BuilderConfig {
  appId: string;
  productName: string;
  asar: boolean;
  npmRebuild: boolean;
  icon: string;
  files: string[];
  directories: { buildResources: string };
  extraMetadata: { main: string };
  electronFuses: Record<string, boolean>;
  publish: { provider: string; url: string }[];
  mac: { target: string[]; hardenedRuntime: boolean; entitlements: string; entitlementsInherit: string };
  win: { target: string[] };
  linux: { target: string[]; icon: string };
}
const config = parse(await readFile(CONFIG_FILE, 'utf8')) as BuilderConfig;
const rootPackage = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};

describe('electron-builder.yml', () => {
  it("passes electron-builder's own schema (app-builder-lib/scheme.json)", async () => {
    const schemaPath = createRequire(import.meta.url).resolve('app-builder-lib/scheme.json');
    const schema = JSON.parse(await readFile(schemaPath, 'utf8')) as object;
    const validate = new Ajv({ strict: false, allowUnionTypes: true }).compile(schema);
    expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
  });

  it('names the app', () => {
    expect(config).toMatchObject({ appId: 'app.stratcoach.desktop', productName: 'Strat Coach' });
  });

  it('sets every fuse: no RunAsNode, NODE_OPTIONS or --inspect; ASAR only, integrity checked; cookies encrypted', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
    expect(config.asar).toBe(true);
    // Everything is bundled: no rebuild of native modules (which would touch the workspace's node_modules).
    expect(config.npmRebuild).toBe(false);
  });

  it('builds a dmg and a zip (hardened runtime, entitlements) on macOS, NSIS on Windows, AppImage and deb on Linux', async () => {
    expect(config.mac).toMatchObject({ target: ['dmg', 'zip'], hardenedRuntime: true });
    const entitlements = await readFile(join(ROOT, config.mac.entitlements), 'utf8');
    expect(entitlements).toContain('<key>com.apple.security.cs.allow-jit</key>');
    expect(config.mac.entitlementsInherit).toBe(config.mac.entitlements);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
  });

  it('publishes an https update feed for electron-updater', () => {
    expect(config.publish).toHaveLength(1);
    expect(config.publish[0]!.provider).toBe('generic');
    expect(new URL(config.publish[0]!.url).protocol).toBe('https:');
  });

  it('packs the built app (main, preload, renderer) with its entry point, and no source maps', async () => {
    expect(config.files).toEqual(
      expect.arrayContaining(['out/main/**', 'out/preload/**', 'out/renderer/**', '!**/*.map']),
    );
    expect(config.extraMetadata.main).toBe('out/main/index.js');
    // The same entry electron-vite writes and the desktop package names.
    const desktop = JSON.parse(await readFile(join(ROOT, 'apps/desktop/package.json'), 'utf8')) as { main: string };
    expect(join('apps/desktop', desktop.main)).toBe(config.extraMetadata.main);
  });

  it('`npm run dist` builds, renders the icons, then runs electron-builder with this file', () => {
    const dist = rootPackage.scripts.dist!;
    expect(dist).toMatch(/^npm run build && /);
    expect(dist).toContain('apps/desktop/scripts/icons.ts');
    expect(dist).toContain('electron-builder --config electron-builder.yml');
  });
});

describe('icons, from one SVG', () => {
  let out: string | null = null;
  afterAll(async () => {
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('renders icon.png at 1024 px and every Linux size from apps/desktop/resources/icon.svg', async () => {
    out = await mkdtemp(join(tmpdir(), 'strat-coach-icons-'));
    await renderIcons(ICON_SOURCE, out);
    expect(await sharp(join(out, 'icon.png')).metadata()).toMatchObject({ width: 1024, height: 1024, format: 'png' });
    for (const size of LINUX_SIZES) {
      const meta = await sharp(join(out, 'icons', `${size}x${size}.png`)).metadata();
      expect([meta.width, meta.height]).toEqual([size, size]);
    }
    // Where the config looks for them.
    expect(config.directories.buildResources).toBe('out/build-resources');
    expect(config.icon).toBe('out/build-resources/icon.png');
    expect(config.linux.icon).toBe('out/build-resources/icons');
  });
});
