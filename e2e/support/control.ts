// The Playwright side of the control endpoint (e2e/support/serve.ts): start a real server, give the next
// test a fresh user, script the fake upstream, read what it received, query the database.
import type { FakeScript } from '@strat-coach/server/testing';
import {
  controlPort,
  type SqlResponse,
  type StartedServer,
  type StartServerRequest,
  type SubscribeRequest,
  type UpstreamRequest,
} from './control-api';

export interface ServerHandle {
  readonly id: string;
  readonly url: string;
  /** Stops the server and starts it afresh at the same address: new issuer key, empty database. */
  reinstall(): Promise<void>;
  /** The next sign-in gets a new user: its own rate-limit window, quota and history. Resets the fake. */
  freshUser(): Promise<void>;
  /** Queues the fake upstream's answers to the next requests, one script each. */
  script(...steps: FakeScript[]): Promise<void>;
  upstreamRequests(): Promise<UpstreamRequest[]>;
  sql<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
  /** Billing on: Stripe moves the trader to a paid plan and tells the server's webhook. */
  subscribe(request: SubscribeRequest): Promise<void>;
  /** Billing on: the parameters of each Checkout Session the server asked the fake Stripe for. */
  checkoutRequests(): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${controlPort()}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const answer = (await response.json()) as T & { error?: string };
  if (!response.ok) throw new Error(`control ${method} ${path}: ${answer.error ?? response.status}`);
  return answer;
}

export async function startServer(options: StartServerRequest = {}): Promise<ServerHandle> {
  const { id, url } = await call<StartedServer>('POST', '/servers', options);
  const base = `/servers/${id}`;
  return {
    id,
    url,
    reinstall: () => call('POST', `${base}/reinstall`).then(() => undefined),
    freshUser: () => call('POST', `${base}/fresh-user`).then(() => undefined),
    script: (...steps) => call('POST', `${base}/script`, { steps }).then(() => undefined),
    upstreamRequests: () => call<UpstreamRequest[]>('GET', `${base}/requests`),
    sql: <Row>(text: string, params: unknown[] = []) =>
      call<SqlResponse>('POST', `${base}/sql`, { text, params }).then(({ rows }) => rows as Row[]),
    subscribe: (request) => call('POST', `${base}/subscribe`, request).then(() => undefined),
    checkoutRequests: () => call<Record<string, unknown>[]>('GET', `${base}/checkout-requests`),
    close: () => call('DELETE', base).then(() => undefined),
  };
}
