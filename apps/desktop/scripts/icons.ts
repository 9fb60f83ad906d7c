// `npm run dist` step: every installer icon rendered from the one source, apps/desktop/resources/icon.svg,
// into electron-builder's build resources (out/build-resources): icon.png (1024 px; electron-builder makes
// the macOS .icns and the Windows .ico from it) and icons/NxN.png for Linux. sharp renders the SVG.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const ICON_SOURCE = join(ROOT, 'apps/desktop/resources/icon.svg');
export const BUILD_RESOURCES = join(ROOT, 'out/build-resources');
export const LINUX_SIZES = [16, 32, 48, 64, 128, 256, 512, 1024] as const;

/** Renders the icon set into `outDir`; returns the files written. */
export async function renderIcons(source: string, outDir: string): Promise<string[]> {
  await mkdir(join(outDir, 'icons'), { recursive: true });
  // Rendered at the SVG's own 1024 px, then scaled: each size is the same drawing.
  const master = await sharp(source, { density: 72 }).resize(1024, 1024).png().toBuffer();
  const written = [join(outDir, 'icon.png')];
  await sharp(master).toFile(written[0]!);
  for (const size of LINUX_SIZES) {
    const file = join(outDir, 'icons', `${size}x${size}.png`);
    await sharp(master).resize(size, size).png().toFile(file);
    written.push(file);
  }
  return written;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  renderIcons(ICON_SOURCE, BUILD_RESOURCES).then(
    (files) => console.log(`icons: ${files.length} files in ${BUILD_RESOURCES}`),
    (error: unknown) => {
      console.error(`icons: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
