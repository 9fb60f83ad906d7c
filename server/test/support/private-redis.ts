// A Redis server of the test's own (redis-server on a free loopback port, nothing persisted), for trouble
// the shared one must not see: CLIENT PAUSE, and a crash that comes back empty.
import { Redis } from 'ioredis';
import { freePort, startProcess, type RunningProcess } from './process.js';

export interface PrivateRedis {
  url: string;
  /** A plain client on it, for looking at what the server wrote. */
  client(): Redis;
  /** CLIENT PAUSE: every client's commands wait this long (Redis 7 cannot be unpaused sooner). */
  pause(ms: number): Promise<void>;
  /** Kills it (SIGKILL, as a crash): everything it held is gone. */
  crash(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const launch = async () => {
    const server = startProcess(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {},
    );
    await server.waitFor(/Ready to accept connections/, 10_000);
    return server;
  };
  let server: RunningProcess | null = await launch();
  const clients: Redis[] = [];
  const client = () => {
    const redis = new Redis(url, { maxRetriesPerRequest: 1 });
    clients.push(redis);
    return redis;
  };

  return {
    url,
    client,
    async pause(ms) {
      const redis = new Redis(url, { maxRetriesPerRequest: 1 });
      await redis.call('CLIENT', 'PAUSE', String(ms), 'ALL');
      redis.disconnect();
    },
    async crash() {
      await server?.stop('SIGKILL');
      server = null;
    },
    async restart() {
      server ??= await launch();
    },
    async close() {
      for (const redis of clients) redis.disconnect();
      await server?.stop('SIGKILL');
    },
  };
}
