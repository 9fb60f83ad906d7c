// What a benchmark reads about the server process from /proc (Linux): CPU time used so far and resident memory,
// sampled while a load runs so its peak is seen; and the CPU time of a changing set of processes (the database's
// backends).
import { readFile } from 'node:fs/promises';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;

/** User + system CPU time the process has used, in ms (10 ms resolution). */
export async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count fields from after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [utime, stime] = [Number(fields[11]), Number(fields[12])];
  return ((utime + stime) * 1000) / TICKS_PER_S;
}

/**
 * The main thread's time (the event loop's) on a CPU and waiting for one while it was ready to run, in ms, from
 * /proc/<pid>/schedstat (nanoseconds). The wait is the host's contention as the server saw it: on a machine shared
 * with the load's other processes it is time a request spent in the run queue, not in our code.
 */
export async function schedMs(pid: number): Promise<{ runMs: number; waitMs: number }> {
  const [run, wait] = (await readFile(`/proc/${pid}/schedstat`, 'utf8')).split(' ').map(Number);
  return { runMs: (run ?? Number.NaN) / 1e6, waitMs: (wait ?? Number.NaN) / 1e6 };
}

/** VmRSS and VmHWM (the kernel's high-water mark), in KB. */
export async function memoryKb(pid: number): Promise<{ rssKb: number; hwmKb: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
}

/**
 * Samples RSS every `everyMs` until stopped; resolves the CPU ms used (all threads), the highest RSS (MB) seen
 * meanwhile, and the main thread's own time on a CPU (the event loop's: what queues a request behind others) and
 * waiting for one (schedMs).
 */
export function watchProcess(
  pid: number,
  everyMs = 100,
): { stop(): Promise<{ cpuMs: number; peakRssMb: number; loopCpuMs: number; waitedForCpuMs: number }> } {
  let peakKb = 0;
  const sample = async () => {
    peakKb = Math.max(peakKb, (await memoryKb(pid).catch(() => ({ rssKb: 0 }))).rssKb);
  };
  const cpuAtStart = cpuMs(pid);
  const schedAtStart = schedMs(pid);
  void sample();
  const timer = setInterval(() => void sample(), everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await sample();
      const cpuSpent = (await cpuMs(pid)) - (await cpuAtStart);
      const [schedEnd, schedStart] = [await schedMs(pid), await schedAtStart];
      return {
        cpuMs: cpuSpent,
        peakRssMb: Math.round(peakKb / 102.4) / 10,
        loopCpuMs: schedEnd.runMs - schedStart.runMs,
        waitedForCpuMs: schedEnd.waitMs - schedStart.waitMs,
      };
    },
  };
}

/**
 * The CPU ms (all threads) used while it ran by processes listed again at the start and at the stop (the database's
 * backends serving one pool, say): a process first listed at the stop counts its whole life, and one gone by then
 * counts nothing, so a pool that opens or closes connections mid-load is read about right, not exactly.
 */
export function watchProcesses(list: () => Promise<number[]>): { stop(): Promise<number> } {
  const readAll = async (): Promise<Map<number, number>> => {
    const used = new Map<number, number>();
    for (const pid of await list()) {
      // A process that exited between the listing and the read is not counted.
      const ms = await cpuMs(pid).catch(() => undefined);
      if (ms !== undefined) used.set(pid, ms);
    }
    return used;
  };
  const atStart = readAll();
  return {
    async stop() {
      const [start, end] = [await atStart, await readAll()];
      let spent = 0;
      for (const [pid, ms] of end) spent += ms - (start.get(pid) ?? 0);
      return spent;
    },
  };
}
