// A fake Stripe API on loopback for billing tests: the official SDK points at it with host, port and protocol.
// It speaks the few endpoints the server calls (Checkout and Portal sessions, a customer's subscriptions, meter
// events), records every request's parameters as Stripe would decode them, and can be told to fail. Webhook
// events are built here and signed with the SDK's own test-header helper.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Stripe from 'stripe';

export const FAKE_STRIPE_KEY = 'sk_test_fakestripe';
export const FAKE_WEBHOOK_SECRET = 'whsec_fakestripesecret';
export const PRICE_PRO = 'price_pro';
export const PRICE_ENTERPRISE = 'price_enterprise';
export const METER_EVENT = 'strat_coach_overage_tokens';

/** A form-encoded Stripe request (`a[b][0][c]=v`) as the nested object it stands for. */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };

export interface StripeRequest {
  method: string;
  path: string;
  params: Record<string, FormValue>;
  idempotencyKey: string | null;
}

export interface MeterEvent {
  identifier: string;
  eventName: string;
  customer: string;
  value: number;
  timestamp: number;
}

export interface FakeStripe {
  /** Host, port and protocol for the SDK (config.billing.api). */
  api: { host: string; port: number; protocol: 'http' };
  /** The server's billing environment for this fake. */
  env: Record<string, string>;
  requests: StripeRequest[];
  /** Meter events Stripe counted: one per identifier. */
  meterEvents: MeterEvent[];
  /** The account's subscriptions, by id: what GET /v1/subscriptions/:id and GET /v1/subscriptions answer. */
  subscriptions: Map<string, Stripe.Subscription>;
  /**
   * Stripe's side of an event: the subscription it carries becomes the account's state (a deleted one canceled),
   * as Stripe changes it before it sends the event. Other events change nothing.
   */
  publish(event: { type: string; data: { object: object } }): void;
  /** Meter events for this customer are refused (400), as for a customer deleted in the Dashboard. */
  refuseCustomer(customer: string): void;
  /** The next `count` requests to `path` (e.g. "/v1/subscriptions") fail with a 500. */
  failNext(path: string, count: number): void;
  /** Products, prices, meters and webhook endpoints created in the account (npm run billing:setup). */
  account: { products: object[]; prices: Price[]; meters: object[]; webhookEndpoints: object[] };
  /** The next `count` meter event requests fail with a 500 that Stripe says not to retry at once. */
  failMeterEvents(count: number): void;
  close(): Promise<void>;
}

interface Price {
  id: string;
  lookup_key: string | null;
  [field: string]: unknown;
}

function decodeForm(body: string): Record<string, FormValue> {
  const root: Record<string, FormValue> = {};
  for (const [name, value] of new URLSearchParams(body)) {
    const path = name.replace(/\]/g, '').split('[');
    let node: Record<string, FormValue> = root;
    path.forEach((key, index) => {
      if (index === path.length - 1) node[key] = value;
      else node = (node[key] ??= {}) as Record<string, FormValue>;
    });
  }
  // Objects keyed 0, 1, 2… are arrays.
  const arrays = (value: FormValue): FormValue => {
    if (typeof value === 'string' || Array.isArray(value)) return value;
    const keys = Object.keys(value);
    const entries = keys.map((key) => [key, arrays(value[key] as FormValue)] as const);
    return keys.length > 0 && keys.every((key, index) => key === String(index))
      ? entries.map(([, item]) => item)
      : Object.fromEntries(entries);
  };
  return arrays(root) as Record<string, FormValue>;
}

const pick = (params: Record<string, FormValue>, key: string) => (key in params ? { [key]: params[key] } : {});

const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
};

const stripeError = (type: string, message: string) => ({ error: { type, message } });

export async function startFakeStripe(): Promise<FakeStripe> {
  const requests: StripeRequest[] = [];
  const meterEvents: MeterEvent[] = [];
  const subscriptions = new Map<string, Stripe.Subscription>();
  /** Idempotency keys already answered, and their answer (Stripe replays it). */
  const answered = new Map<string, { status: number; body: unknown }>();
  let failures = 0;
  const failing = new Map<string, number>();
  const refused = new Set<string>();
  const account: FakeStripe['account'] = { products: [], prices: [], meters: [], webhookEndpoints: [] };
  const list = (data: object[]) => ({ status: 200, body: { object: 'list', data, has_more: false, url: '/v1' } });
  const create = <T extends object>(into: T[], object: T) => {
    into.push(object);
    return { status: 200, body: object };
  };
  const newId = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 24)}`;

  const route = (request: StripeRequest): { status: number; body: unknown; headers?: Record<string, string> } => {
    const { method, path, params } = request;
    if (method === 'POST' && path === '/v1/checkout/sessions') {
      const id = `cs_test_${randomUUID().replaceAll('-', '')}`;
      return {
        status: 200,
        body: { id, object: 'checkout.session', url: `https://checkout.stripe.test/c/${id}`, ...params },
      };
    }
    if (method === 'POST' && path === '/v1/billing_portal/sessions') {
      const id = `bps_${randomUUID().replaceAll('-', '')}`;
      return {
        status: 200,
        body: { id, object: 'billing_portal.session', url: `https://billing.stripe.test/p/${id}`, ...params },
      };
    }
    if (failing.get(path)) {
      failing.set(path, (failing.get(path) ?? 1) - 1);
      return {
        status: 500,
        body: stripeError('api_error', 'Something went wrong on our end.'),
        headers: { 'stripe-should-retry': 'false' },
      };
    }
    if (method === 'GET' && path === '/v1/subscriptions') {
      // Stripe's default leaves canceled subscriptions out; status=all includes them.
      const status = (params.status as string | undefined) ?? 'default';
      return list(
        [...subscriptions.values()].filter(
          (found) =>
            (params.customer === undefined || found.customer === params.customer) &&
            (status === 'all' || (status === 'default' ? found.status !== 'canceled' : found.status === status)),
        ),
      );
    }
    const subscription = /^\/v1\/subscriptions\/([A-Za-z0-9_]+)$/.exec(path);
    if (method === 'GET' && subscription) {
      const found = subscriptions.get(subscription[1] as string);
      return found
        ? { status: 200, body: found }
        : { status: 404, body: stripeError('invalid_request_error', `No such subscription: '${subscription[1]}'`) };
    }
    if (method === 'POST' && path === '/v1/billing/meter_events') {
      if (failures > 0) {
        failures -= 1;
        return {
          status: 500,
          body: stripeError('api_error', 'Something went wrong on our end.'),
          headers: { 'stripe-should-retry': 'false' },
        };
      }
      const payload = params.payload as Record<string, string>;
      const identifier = params.identifier as string;
      if (refused.has(payload.stripe_customer_id as string)) {
        return {
          status: 400,
          body: stripeError('invalid_request_error', `No such customer: '${payload.stripe_customer_id}'`),
        };
      }
      if (meterEvents.some((event) => event.identifier === identifier)) {
        return { status: 400, body: stripeError('invalid_request_error', `identifier ${identifier} already exists`) };
      }
      const event: MeterEvent = {
        identifier,
        eventName: params.event_name as string,
        customer: payload.stripe_customer_id as string,
        value: Number(payload.value),
        timestamp: Number(params.timestamp),
      };
      meterEvents.push(event);
      return {
        status: 200,
        body: { object: 'billing.meter_event', created: Math.floor(Date.now() / 1000), ...params },
      };
    }
    if (method === 'GET' && path === '/v1/prices') {
      const keys = (params.lookup_keys ?? []) as string[];
      return list(account.prices.filter((price) => price.lookup_key !== null && keys.includes(price.lookup_key)));
    }
    if (method === 'POST' && path === '/v1/prices') {
      return create(account.prices, {
        ...params,
        id: newId('price'),
        object: 'price',
        lookup_key: null,
        ...pick(params, 'lookup_key'),
      });
    }
    if (method === 'POST' && path === '/v1/customers') {
      return { status: 200, body: { ...params, id: newId('cus'), object: 'customer' } };
    }
    if (method === 'POST' && path === '/v1/products') {
      return create(account.products, { ...params, id: newId('prod'), object: 'product' });
    }
    if (path === '/v1/billing/meters') {
      return method === 'GET'
        ? list(account.meters)
        : create(account.meters, { ...params, id: newId('mtr'), object: 'billing.meter', status: 'active' });
    }
    if (path === '/v1/webhook_endpoints') {
      return method === 'GET'
        ? list(account.webhookEndpoints.map(({ secret: _secret, ...endpoint }: { secret?: string }) => endpoint))
        : create(account.webhookEndpoints, {
            ...params,
            id: newId('we'),
            object: 'webhook_endpoint',
            secret: `whsec_${randomUUID().replaceAll('-', '')}`,
          });
    }
    return { status: 404, body: stripeError('invalid_request_error', `Unrecognized request URL (${method}: ${path})`) };
  };

  const server = createServer((incoming: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const url = new URL(incoming.url ?? '/', 'http://stripe.test');
      if (incoming.headers.authorization !== `Bearer ${FAKE_STRIPE_KEY}`) {
        send(response, 401, stripeError('invalid_request_error', 'Invalid API Key provided'));
        return;
      }
      const idempotencyKey = (incoming.headers['idempotency-key'] as string | undefined) ?? null;
      const request: StripeRequest = {
        method: incoming.method ?? 'GET',
        path: url.pathname,
        params: decodeForm(incoming.method === 'GET' ? url.search.slice(1) : Buffer.concat(chunks).toString('utf8')),
        idempotencyKey,
      };
      requests.push(request);
      const replay = idempotencyKey && request.method === 'POST' ? answered.get(idempotencyKey) : undefined;
      if (replay) {
        send(response, replay.status, replay.body, { 'idempotent-replayed': 'true' });
        return;
      }
      const answer = route(request);
      // Stripe keeps an answer for its key unless it was a server error (those may be retried).
      if (idempotencyKey && request.method === 'POST' && answer.status < 500) answered.set(idempotencyKey, answer);
      send(response, answer.status, answer.body, answer.headers);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    api: { host: '127.0.0.1', port, protocol: 'http' },
    env: {
      STRIPE_SECRET_KEY: FAKE_STRIPE_KEY,
      STRIPE_WEBHOOK_SECRET: FAKE_WEBHOOK_SECRET,
      STRIPE_PRICE_PRO: PRICE_PRO,
      STRIPE_PRICE_ENTERPRISE: PRICE_ENTERPRISE,
      STRIPE_METER_EVENT: METER_EVENT,
    },
    requests,
    meterEvents,
    account,
    subscriptions,
    failMeterEvents(count) {
      failures = count;
    },
    publish(event) {
      if (!event.type.startsWith('customer.subscription.')) return;
      const subscription = event.data.object as Stripe.Subscription;
      subscriptions.set(
        subscription.id,
        event.type === 'customer.subscription.deleted' ? { ...subscription, status: 'canceled' } : subscription,
      );
    },
    refuseCustomer(customer) {
      refused.add(customer);
    },
    failNext(path, count) {
      failing.set(path, count);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
