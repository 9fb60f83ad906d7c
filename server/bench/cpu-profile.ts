// Summarises V8 CPU profiles (node --cpu-prof, e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" on
// bench:stream): self time by function, and by package or file, as a share of the busy (non-idle) time.
// `npx tsx server/bench/cpu-profile.ts DIR_OR_FILE… [--top 25]`.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const args = process.argv.slice(2);
const topIndex = args.indexOf('--top');
const top = topIndex >= 0 ? Number(args[topIndex + 1]) : 25;
const paths = args.filter((_, index) => index !== topIndex && index !== topIndex + 1);

const files: string[] = [];
for (const path of paths) {
  if ((await stat(path)).isDirectory()) {
    for (const name of await readdir(path)) if (name.endsWith('.cpuprofile')) files.push(join(path, name));
  } else files.push(path);
}

/** Where a function lives: its npm package, a file of ours, or V8/node itself. */
const place = (url: string): string => {
  if (url === '') return '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return url;
  const ours = /\/server\/(?:src|dist)\/(.+)$/.exec(url);
  return ours ? ours[1]! : url;
};

const byFunction = new Map<string, number>();
const byPlace = new Map<string, number>();
let busyUs = 0;
let idleUs = 0;
for (const file of files) {
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  profile.samples.forEach((id, index) => {
    const node = nodes.get(id);
    const us = profile.timeDeltas[index] ?? 0;
    if (!node) return;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') {
      idleUs += functionName === '(idle)' ? us : 0;
      if (functionName === '(idle)') return;
    }
    busyUs += us;
    const name = `${functionName || '(anonymous)'} ${place(url)}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    byPlace.set(place(url), (byPlace.get(place(url)) ?? 0) + us);
  });
}

const table = (counts: Map<string, number>) =>
  [...counts.entries()]
    .sort((x, y) => y[1] - x[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, ms: Math.round(us / 1000), busyPercent: Math.round((us / busyUs) * 1000) / 10 }));

console.log(`${files.length} profile(s): busy ${Math.round(busyUs / 1000)} ms, idle ${Math.round(idleUs / 1000)} ms`);
console.log('self time by function');
console.table(table(byFunction));
console.log('self time by package or file');
console.table(table(byPlace));
