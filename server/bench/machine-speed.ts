// How steady the machine's CPU is while a benchmark runs: a fixed piece of arithmetic (no allocation, no I/O, its
// data in the CPU's cache) timed again and again. On a quiet, dedicated core every round takes about the same time;
// on a shared host some rounds take up to twice as long while the core is busy with other work. A benchmark prints
// this beside its own figures, so a tail can be told apart from the code's own cost.
// And how fast the machine passes a message to another process and back over loopback (loopbackRoundTrip): what a
// stream does at every step (trader, server, model, database, Redis), and what the arithmetic does not measure. Two
// machines of one kind with the same arithmetic have differed by half in what the server spends per stream.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';

/** One round: about 13 ms on the 2-core machine the figures in the README were measured on. */
function round(values: Float64Array): number {
  let sum = 0;
  for (let pass = 0; pass < 250; pass += 1) {
    for (let index = 0; index < values.length; index += 1) sum += (values[index] ?? 0) * 1.0000001;
  }
  return sum;
}

export interface MachineSpeed {
  rounds: number;
  minMs: number;
  p50Ms: number;
  p90Ms: number;
  /** With 100 rounds, the slowest. */
  p99Ms: number;
  /** The share of rounds that took over 1.5 times the fastest: the core ran at two thirds of its speed or less. */
  slowPct: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
const fixed = (ms: number) => Number(ms.toFixed(1));

/** Times `rounds` rounds of the same arithmetic (about 13 ms each), synchronously, on the calling thread. */
export function machineSpeed(rounds = 100): MachineSpeed {
  const values = new Float64Array(1 << 16).map((_, index) => index);
  let sink = 0;
  const times: number[] = [];
  for (let index = 0; index < rounds; index += 1) {
    const started = performance.now();
    sink += round(values);
    times.push(performance.now() - started);
  }
  // Keeps the sum alive, so the arithmetic cannot be optimised away.
  if (sink === Number.NEGATIVE_INFINITY) console.log(sink);
  times.sort((a, b) => a - b);
  const minMs = times[0] ?? Number.NaN;
  return {
    rounds,
    minMs: fixed(minMs),
    p50Ms: fixed(percentile(times, 50)),
    p90Ms: fixed(percentile(times, 90)),
    p99Ms: fixed(percentile(times, 99)),
    slowPct: fixed((100 * times.filter((ms) => ms > 1.5 * minMs).length) / times.length),
  };
}

export interface RoundTrip {
  trips: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
}

/** An echo server on a loopback port, in a process of its own: it prints the port, then sends back what it gets. */
const ECHO_SERVER = `
const server = require('node:net').createServer((socket) => { socket.setNoDelay(true); socket.pipe(socket); });
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

/** Sends one byte to another process and waits for it back, `trips` times, one at a time; in microseconds. */
export async function loopbackRoundTrip(trips = 2_000): Promise<RoundTrip> {
  const echo = spawn(process.execPath, ['-e', ECHO_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [printed] = (await once(echo.stdout, 'data')) as [Buffer];
    const socket = connect(Number(printed.toString().trim()), '127.0.0.1');
    socket.setNoDelay(true);
    await once(socket, 'connect');
    const times: number[] = [];
    const byte = Buffer.from([1]);
    for (let trip = 0; trip < trips; trip += 1) {
      const started = performance.now();
      const back = once(socket, 'data');
      socket.write(byte);
      await back;
      times.push((performance.now() - started) * 1000);
    }
    socket.destroy();
    times.sort((a, b) => a - b);
    const micros = (p: number) => Math.round(percentile(times, p));
    return { trips, p50Us: micros(50), p90Us: micros(90), p99Us: micros(99) };
  } finally {
    echo.kill();
  }
}

export const describeRoundTrip = (trip: RoundTrip) =>
  `a loopback round trip to another process took p50 ${trip.p50Us} µs, p90 ${trip.p90Us} µs, p99 ${trip.p99Us} µs`;

export const describeSpeed = (speed: MachineSpeed) =>
  `a fixed ${speed.minMs} ms of arithmetic took p50 ${speed.p50Ms} ms, p90 ${speed.p90Ms} ms, p99 ${speed.p99Ms} ms; ` +
  `${speed.slowPct} % of ${speed.rounds} rounds over 1.5x the fastest`;

/** A count from the environment (at least 1); `fallback` when unset, and an error when it is not a whole number. */
export function countFromEnv(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`${name} must be a whole number of at least 1, not ${value}`);
  return count;
}

/** A duration in ms from the environment (0 allowed: none), or `fallback` when unset. */
export function msFromEnv(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 0) throw new Error(`${name} must be a whole number of ms, not ${value}`);
  return ms;
}
