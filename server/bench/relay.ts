// The floor of bench:stream: the least any server between a trader and the model can add on this machine. A bare
// relay in its own process, node:http in and out over a keep-alive agent, that forwards each request to the fake
// upstream and pipes the answer back byte for byte: no sign-in, no limits, no database, no parsing. What it adds
// to the first token is the cost of one more process and two more loopback hops on this host, which the server
// pays too before any of its own work.
// `tsx server/bench/relay.ts --port P --upstream http://127.0.0.1:Q`; prints `relay listening on P`.
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string' }, upstream: { type: 'string' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0 || !values.upstream) {
  console.error('usage: relay.ts --port <port> --upstream <url>');
  process.exit(2);
}
const upstream = new URL(values.upstream);
// As the server's (coach-fetch.ts): the timeout lets the Keep-Alive hint apply, so a burst after a pause does not
// meet connections the fake is closing.
const agent = new http.Agent({ keepAlive: true, scheduling: 'lifo', timeout: 60_000 });

const relay = http.createServer((request, response) => {
  const forwarded = http.request(
    {
      host: upstream.hostname,
      port: upstream.port,
      path: request.url,
      method: request.method,
      headers: { ...request.headers, host: upstream.host },
      agent,
    },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    },
  );
  forwarded.on('error', () => response.destroy());
  response.on('close', () => forwarded.destroy());
  request.pipe(forwarded);
});
relay.keepAliveTimeout = 65_000;
relay.listen(port, '127.0.0.1', () => console.log(`relay listening on ${port}`));
process.on('SIGTERM', () => {
  agent.destroy();
  relay.close(() => process.exit(0));
  relay.closeAllConnections();
});
