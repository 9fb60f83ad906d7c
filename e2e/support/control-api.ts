// The e2e control endpoint's wire shapes (test-only, loopback): what e2e/support/serve.ts answers and the
// Playwright fixtures send. Scripts are the fake Anthropic upstream's own FakeScript, as JSON.
import type { FakeScript } from '@strat-coach/server/testing';

export const DEFAULT_CONTROL_PORT = 47_123;
export const controlPort = (): number => Number(process.env.E2E_CONTROL_PORT ?? DEFAULT_CONTROL_PORT);

export interface StartServerRequest {
  /** false: no ANTHROPIC_API_KEY, so the local chart reader answers (model local-chart-reader). Default true. */
  upstream?: boolean;
  /** true: billing on, against a loopback fake Stripe (Checkout and Portal pages, events sent through /subscribe). */
  billing?: boolean;
  /** true: coaching on a model retired since the server started (it refuses every question with 503). */
  retiredModel?: boolean;
}

/** Stripe's side of a plan change for the server's trader (the local issuer's subject), sent to its webhook. */
export interface SubscribeRequest {
  tier: 'pro' | 'enterprise';
  /** Default active. */
  status?: string;
}

export interface StartedServer {
  id: string;
  /** The server's origin: the web app at `/`, the API at `/api/v1`, the local issuer beside them. */
  url: string;
}

export interface ScriptRequest {
  steps: FakeScript[];
}

export interface SqlRequest {
  text: string;
  params?: unknown[];
}

export interface SqlResponse {
  rows: Record<string, unknown>[];
}

/** An image the fake upstream received, read from its bytes. */
export interface ReceivedImage {
  mediaType: string;
  bytes: number;
  /** From the PNG header; null for other types. */
  width: number | null;
  height: number | null;
}

/** One request the fake upstream received, as the tests need it. */
export interface UpstreamRequest {
  index: number;
  outcome: string;
  chunksSent: number;
  disconnected: boolean;
  /** The last text of the last user turn: the trader's question. */
  question: string;
  /** The texts before it in that turn: chart titles such as "Chart 1 of 2 — SPY D". */
  chartTitles: string[];
  /** The images of the last user turn (this question's charts). */
  images: ReceivedImage[];
  /** Every image in the request, earlier turns included (the conversation's chart on a follow-up). */
  imagesInRequest: ReceivedImage[];
  /** How many messages (earlier turns included) the server sent. */
  messageCount: number;
  /** The `thinking` type asked for (adaptive, between_tools, …), and max_tokens. */
  thinking: string | null;
  maxTokens: number;
}
