// What the model's API last said of this server's own configuration: that it does not serve the coaching model
// (404), that it refuses the API key (401/403), or that it cannot bill the account (402). Every question fails the same way until an operator acts, so
// /status shows it (upstream not ok, status degraded) from the first such answer until a call succeeds again.
// Per instance: each instance reports what its own calls met.
import Anthropic from '@anthropic-ai/sdk';

export interface UpstreamRefusal {
  /** For the operator: what the API answered, and what to change. */
  message: string;
  since: Date;
}

export interface UpstreamRefusals {
  /** A call failed: remembered when the API refused the configuration itself (see `refusalOf`). */
  failed(error: unknown, model: string): void;
  /** A call was answered: the configuration works again. */
  answered(): void;
  current(): UpstreamRefusal | null;
}

/** The operator's message for an error that refuses the configuration itself; null for any other failure. */
export function refusalOf(error: unknown, model: string): string | null {
  if (!(error instanceof Anthropic.APIError) || error instanceof Anthropic.APIConnectionError) return null;
  const answer = [error.status, error.type].filter((part) => part !== undefined && part !== null).join(' ');
  if (error.status === 404 || error.type === 'not_found_error') {
    return `the API does not serve ${model} (${answer}): set COACH_MODEL to a model it serves`;
  }
  if (error.status === 401 || error.status === 403)
    return `the API refused ANTHROPIC_API_KEY (${answer}): set a valid key`;
  if (error.status === 402 || error.type === 'billing_error')
    return `the API refused to bill the account (${answer}): check its credit and payment in the Anthropic Console`;
  return null;
}

export function createUpstreamRefusals(now: () => Date = () => new Date()): UpstreamRefusals {
  let refusal: UpstreamRefusal | null = null;
  return {
    failed(error, model) {
      const message = refusalOf(error, model);
      // The first refusal's time is kept while the same one repeats.
      if (message !== null && refusal?.message !== message) refusal = { message, since: now() };
    },
    answered() {
      refusal = null;
    },
    current: () => refusal,
  };
}
