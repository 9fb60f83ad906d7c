// A TCP proxy on loopback between the app and a real server (Redis), to break the link mid-test without
// touching the shared server: forward, stall (hold every byte, keep sockets open), or refuse (drop every
// connection and reset new ones).
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';

export type ProxyMode = 'forward' | 'stall' | 'refuse';

export interface TcpProxy {
  /** `redis://127.0.0.1:<port>`-style address of the proxy, with the target's scheme. */
  url: string;
  port: number;
  mode(): ProxyMode;
  /** forward: pass bytes both ways (held bytes flow on). stall: hold them. refuse: drop connections. */
  setMode(mode: ProxyMode): void;
  /** Connections accepted so far. */
  connections(): number;
  /** Chunks held now (stalled), on every connection. */
  held(): number;
  close(): Promise<void>;
}

interface Link {
  client: Socket;
  upstream: Socket;
  /** Bytes held while stalled, in order, with the socket they are for. */
  held: { to: Socket; chunk: Buffer }[];
}

export async function startTcpProxy(target: { host: string; port: number; scheme?: string }): Promise<TcpProxy> {
  let mode: ProxyMode = 'forward';
  let accepted = 0;
  const links = new Set<Link>();

  const release = (link: Link) => {
    for (const { to, chunk } of link.held.splice(0)) to.write(chunk);
  };
  const apply = (link: Link) => {
    if (mode === 'refuse') {
      link.client.destroy();
      link.upstream.destroy();
    } else if (mode === 'forward') {
      release(link);
    }
  };
  const pass = (link: Link, to: Socket) => (chunk: Buffer) => {
    if (mode === 'stall') link.held.push({ to, chunk });
    else if (mode === 'forward') to.write(chunk);
  };

  const server: Server = createServer((client) => {
    accepted += 1;
    const upstream = new Socket();
    const link: Link = { client, upstream, held: [] };
    links.add(link);
    const drop = () => {
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.on('data', pass(link, upstream));
    upstream.on('data', pass(link, client));
    upstream.connect(target.port, target.host);
    apply(link);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `${target.scheme ?? 'redis'}://127.0.0.1:${port}`,
    port,
    mode: () => mode,
    setMode(next) {
      mode = next;
      for (const link of links) apply(link);
    },
    connections: () => accepted,
    held: () => [...links].reduce((sum, link) => sum + link.held.length, 0),
    async close() {
      for (const link of links) {
        link.client.destroy();
        link.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
