// The unit lane has no PostgreSQL or Redis: a connection to either throws at once, naming the lane, so a
// test that needs them fails here instead of passing only because this machine happens to run them.
// (The socket is refused before pg or ioredis see it; neither is mocked.)
import { Socket } from 'node:net';

function portOf(url: string | undefined): number | null {
  if (!url) return null;
  try {
    return Number(new URL(url).port) || null;
  } catch {
    return null;
  }
}

const REFUSED = new Map<number, string>([
  [5432, 'PostgreSQL'],
  [6379, 'Redis'],
]);
for (const [url, service] of [
  [process.env.TEST_DATABASE_URL, 'PostgreSQL'],
  [process.env.TEST_REDIS_URL, 'Redis'],
] as const) {
  const port = portOf(url);
  if (port) REFUSED.set(port, service);
}

/** The TCP port of socket.connect's arguments: (port, host), (options) or net's normalized [options, cb]. */
function targetPort(args: unknown[]): number | null {
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (typeof first === 'number' || typeof first === 'string') return Number(first);
  if (typeof first === 'object' && first !== null && !('path' in first && first.path)) {
    return Number((first as { port?: unknown }).port);
  }
  return null;
}

// Files share workers in this lane, and the setup runs before each: wrap connect once.
const GUARDED = Symbol.for('strat-coach.unit-lane-guard');
const prototype = Socket.prototype as Socket & { [GUARDED]?: true };
// eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the socket as `this`
const connect = Socket.prototype.connect as (this: Socket, ...args: unknown[]) => Socket;
if (!prototype[GUARDED]) {
  prototype[GUARDED] = true;
  Socket.prototype.connect = function (this: Socket, ...args: unknown[]): Socket {
    const port = targetPort(args);
    const service = port === null ? undefined : REFUSED.get(port);
    if (service) {
      throw new Error(
        `unit lane: this test connects to ${service} (port ${port}); ` +
          'it belongs in the integration lane (INTEGRATION_TEST_FILES in vitest.config.ts)',
      );
    }
    return connect.apply(this, args);
  };
}
