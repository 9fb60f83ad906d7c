// The e2e suite's servers (test-only): a loopback control endpoint that starts real Strat Coach servers —
// embedded mode, fake Anthropic upstream, the built web renderer — scripts their fakes, reads what the fakes
// received and runs SQL on their databases. Playwright starts it as its webServer: `npx tsx e2e/support/serve.ts`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  coachOnRetiredModel,
  deliverEvent,
  newCustomerId,
  startFakeStripe,
  startTestServer,
  stripeApi,
  stripeEvent,
  subscription,
  type FakeStripe,
  type TestServer,
} from '@strat-coach/server/testing';
import {
  controlPort,
  type ScriptRequest,
  type SqlRequest,
  type StartServerRequest,
  type SubscribeRequest,
} from './control-api';
import { summarizeRequest } from './upstream-requests';

const WEB_DIR = resolve('out/renderer');
if (!existsSync(resolve(WEB_DIR, 'index.html'))) {
  throw new Error(`${WEB_DIR}/index.html is missing: build the renderer first (electron-vite build).`);
}

const servers = new Map<string, TestServer>();
/** The fake Stripe of each server started with billing on. */
const stripes = new Map<TestServer, FakeStripe>();
/** Servers started before the tests asked, one per Playwright worker: a start takes seconds (PGlite). */
const spares: TestServer[] = [];
const WARM_SERVERS = Number(process.env.E2E_WARM_SERVERS ?? 2);

// One start at a time: PGlite's start is CPU-bound, and two at once on a two-core machine can pass
// Fastify's 10 s plugin timeout.
let starting: Promise<unknown> = Promise.resolve();
function start(upstream: boolean, port?: number, billing = false, retiredModel = false): Promise<TestServer> {
  const next = starting.then(async () => {
    const startedAt = performance.now();
    const stripe = billing ? await startFakeStripe() : null;
    // Each option changes the config its own way; all of them apply.
    const tweaks = [...(stripe ? [stripeApi(stripe)] : []), ...(retiredModel ? [coachOnRetiredModel] : [])];
    const server = await startTestServer({
      fakeUpstream: upstream,
      webDir: WEB_DIR,
      ...(port ? { port } : {}),
      ...(stripe ? { env: stripe.env } : {}),
      tweak: (config) => {
        for (const tweak of tweaks) tweak(config);
      },
    });
    if (stripe) {
      stripes.set(server, stripe);
      const close = server.close.bind(server);
      server.close = async () => {
        await close();
        await stripe.close();
      };
    }
    console.log(`e2e server at ${server.url} started in ${Math.round(performance.now() - startedAt)} ms`);
    return server;
  });
  starting = next.catch(() => undefined);
  return next;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJson<T>(request: IncomingMessage): Promise<T> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  const text = Buffer.concat(parts).toString('utf8');
  return (text === '' ? {} : JSON.parse(text)) as T;
}

const serverOf = (id: string | undefined): TestServer => {
  const server = id === undefined ? undefined : servers.get(id);
  if (!server) throw new HttpError(404, `no server ${id ?? ''}`);
  return server;
};

const fakeOf = (server: TestServer) => {
  if (!server.fake) throw new HttpError(409, 'this server has no fake upstream');
  return server.fake;
};

async function route(request: IncomingMessage): Promise<unknown> {
  const [, first, id, action] = (request.url ?? '/').split('?')[0]!.split('/');
  const method = request.method ?? 'GET';
  if (first === 'health' && method === 'GET') return { status: 'ok', servers: servers.size };
  if (first !== 'servers') throw new HttpError(404, 'unknown route');

  if (id === undefined && method === 'POST') {
    const options = await readJson<StartServerRequest>(request);
    const upstream = options.upstream ?? true;
    const billing = options.billing ?? false;
    const retired = options.retiredModel ?? false;
    const server =
      (upstream && !billing && !retired ? spares.shift() : undefined) ??
      (await start(upstream, undefined, billing, retired));
    const started = { id: randomUUID(), url: server.url };
    servers.set(started.id, server);
    return started;
  }
  const server = serverOf(id);
  if (action === undefined && method === 'DELETE') {
    servers.delete(id!);
    await server.close();
    return { closed: true };
  }
  if (action === 'reinstall' && method === 'POST') {
    // The same address, nothing else kept: a new issuer key and an empty database, so every token the
    // page holds is refused (401) and its refresh token is unknown.
    await server.close();
    const reinstalled = await start(server.fake !== null, Number(new URL(server.url).port));
    servers.set(id!, reinstalled);
    return { url: reinstalled.url };
  }
  if (action === 'fresh-user' && method === 'POST') {
    // The local issuer has one subject. Renaming its row makes the next sign-in create a new user: new id,
    // so a fresh rate-limit window, an empty quota, no conversations. (Earlier tokens keep the old row.)
    await server.app.db.query(
      `UPDATE users SET clerk_user_id = clerk_user_id || ':retired:' || id::text WHERE clerk_user_id = 'user_local'`,
    );
    server.fake?.reset();
    return { ok: true };
  }
  if (action === 'script' && method === 'POST') {
    const { steps } = await readJson<ScriptRequest>(request);
    fakeOf(server).script(...steps);
    return { queued: steps.length };
  }
  if (action === 'requests' && method === 'GET') return fakeOf(server).requests.map(summarizeRequest);
  if (action === 'subscribe' && method === 'POST') {
    const stripe = stripes.get(server);
    if (!stripe) throw new HttpError(409, 'this server has no billing');
    const { tier, status } = await readJson<SubscribeRequest>(request);
    const subject = 'user_local';
    // The customer the trader's Checkout made, as Stripe's event names it (an event naming the trader from another
    // customer is ignored); a new one for a trader who never opened Checkout.
    const { rows } = await server.app.db.query<{ customer: string | null }>(
      'SELECT stripe_customer_id AS customer FROM users WHERE clerk_user_id = $1',
      [subject],
    );
    const paid = subscription({
      customer: rows[0]?.customer ?? newCustomerId(),
      price: stripe.env[tier === 'pro' ? 'STRIPE_PRICE_PRO' : 'STRIPE_PRICE_ENTERPRISE']!,
      status: status ?? 'active',
      periodStart: new Date(Math.floor(Date.now() / 1000 - 60) * 1000),
      metadata: { strat_coach_subject: subject },
    });
    const delivered = await deliverEvent(server.app, stripeEvent('customer.subscription.created', paid), stripe);
    if (delivered.statusCode !== 200) throw new HttpError(502, `the webhook answered ${delivered.statusCode}`);
    return { subscription: paid.id };
  }
  if (action === 'checkout-requests' && method === 'GET') {
    const stripe = stripes.get(server);
    if (!stripe) throw new HttpError(409, 'this server has no billing');
    return stripe.requests.filter((sent) => sent.path === '/v1/checkout/sessions').map((sent) => sent.params);
  }
  if (action === 'sql' && method === 'POST') {
    const { text, params } = await readJson<SqlRequest>(request);
    const { rows } = await server.app.db.query<Record<string, unknown>>(text, params ?? []);
    return { rows };
  }
  throw new HttpError(404, 'unknown route');
}

/**
 * Each call on a connection of its own (`connection: close`): a kept-alive socket that this server closes after
 * its idle timeout, just as the next call is sent on it, failed that call with ECONNRESET on a busy machine.
 */
const send = (response: ServerResponse, status: number, body: unknown): void => {
  response.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
  response.end(JSON.stringify(body));
};

const control = createServer((request, response) => {
  route(request).then(
    (body) => send(response, 200, body),
    (error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      send(response, status, { error: error instanceof Error ? error.message : String(error) });
    },
  );
});

async function shutdown(): Promise<void> {
  control.close();
  await Promise.allSettled([...servers.values(), ...spares].map((server) => server.close()));
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());

// Listening (which is what Playwright waits for) only once the spares are up.
for (let index = 0; index < WARM_SERVERS; index += 1) spares.push(await start(true));
control.listen(controlPort(), '127.0.0.1', () => {
  console.log(`e2e control endpoint at http://127.0.0.1:${controlPort()} (web renderer: ${WEB_DIR})`);
});
