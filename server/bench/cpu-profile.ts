// Summarises V8 CPU profiles (node --cpu-prof, e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" on
// bench:stream): self time by function, and by package or file, as a share of the busy (non-idle) time.
// `npx tsx server/bench/cpu-profile.ts DIR_OR_FILE… [--top 25] [--from MS] [--to MS]`: --from/--to keep the
// samples between those ms after the profile's start (a burst is a few hundred ms of a run's profile).
// Each row also counts its samples: on a busy machine the profiler thread is descheduled, and the one sample
// taken after it resumes carries the whole gap (20-30 ms), so an innocent function can top the time column.
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
const optionIndexes = new Set<number>();
const option = (name: string, fallback: number): number => {
  const index = args.indexOf(name);
  if (index < 0) return fallback;
  optionIndexes.add(index).add(index + 1);
  return Number(args[index + 1]);
};
const top = option('--top', 25);
const fromMs = option('--from', 0);
const toMs = option('--to', Number.POSITIVE_INFINITY);
const paths = args.filter((_, index) => !optionIndexes.has(index));

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

interface Spent {
  us: number;
  samples: number;
}
const byFunction = new Map<string, Spent>();
const byPlace = new Map<string, Spent>();
const add = (counts: Map<string, Spent>, key: string, us: number) => {
  const spent = counts.get(key) ?? { us: 0, samples: 0 };
  spent.us += us;
  spent.samples += 1;
  counts.set(key, spent);
};
let busyUs = 0;
let busySamples = 0;
let idleUs = 0;
for (const file of files) {
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  let at = 0;
  profile.samples.forEach((id, index) => {
    const node = nodes.get(id);
    const us = profile.timeDeltas[index] ?? 0;
    at += us;
    if (!node || at < fromMs * 1000 || at > toMs * 1000) return;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') {
      idleUs += functionName === '(idle)' ? us : 0;
      if (functionName === '(idle)') return;
    }
    busyUs += us;
    busySamples += 1;
    add(byFunction, `${functionName || '(anonymous)'} ${place(url)}${url ? `:${lineNumber + 1}` : ''}`, us);
    add(byPlace, place(url), us);
  });
}

const share = (part: number, whole: number) => Math.round((part / whole) * 1000) / 10;
const table = (counts: Map<string, Spent>) =>
  [...counts.entries()]
    .sort((x, y) => y[1].us - x[1].us)
    .slice(0, top)
    .map(([name, spent]) => ({
      name,
      ms: Math.round(spent.us / 1000),
      busyPercent: share(spent.us, busyUs),
      samples: spent.samples,
      samplePercent: share(spent.samples, busySamples),
    }));

console.log(
  `${files.length} profile(s): busy ${Math.round(busyUs / 1000)} ms (${busySamples} samples), idle ${Math.round(idleUs / 1000)} ms`,
);
console.log('self time by function');
console.table(table(byFunction));
console.log('self time by package or file');
console.table(table(byPlace));
