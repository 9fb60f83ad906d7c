// The loopback redirect of a native app's sign-in (RFC 8252 §7.3): a one-shot HTTP listener on 127.0.0.1
// and a port the OS picks, waiting for the browser to come back to /callback with the code and the state.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthError } from '../../shared/auth/errors';

export const CALLBACK_PATH = '/callback';

export interface LoopbackListener {
  redirectUri: string;
  /**
   * The authorization code, once the browser came back with the expected state (redirects with another state are
   * refused and waited past). Rejects with an AuthError.
   */
  code: Promise<string>;
  close(): void;
}

type CallbackResult = { ok: true; code: string } | { ok: false; error: AuthError };

/** Judges the redirect's query. The state is checked first: nothing else of a forged redirect is trusted. */
export function readCallback(params: URLSearchParams, expectedState: string): CallbackResult {
  if (params.get('state') !== expectedState) {
    return {
      ok: false,
      error: new AuthError('state_mismatch', 'Sign-in was refused: the answer did not match the request.'),
    };
  }
  const error = params.get('error');
  if (error) {
    const detail = (params.get('error_description') ?? error).slice(0, 200);
    return { ok: false, error: new AuthError('access_denied', `Sign-in was not completed (${detail}).`) };
  }
  const code = params.get('code');
  if (!code) return { ok: false, error: new AuthError('token_failed', 'The sign-in answer carried no code.') };
  return { ok: true, code };
}

// Fixed texts only: nothing from the query is reflected into the page.
const page = (title: string, text: string) =>
  `<!doctype html><html lang="en"><meta charset="utf-8"><title>${title}</title>` +
  `<body style="font-family:system-ui,sans-serif;margin:4rem auto;max-width:28rem;text-align:center">` +
  `<h1>${title}</h1><p>${text}</p></body></html>`;

const SIGNED_IN = page('Signed in to Strat Coach', 'You can close this tab and return to the app.');
const FAILED = page('Sign-in did not complete', 'You can close this tab and try again from Strat Coach.');

function answer(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    'referrer-policy': 'no-referrer',
    connection: 'close',
  });
  response.end(body);
}

export async function listenForCallback(options: {
  expectedState: string;
  timeoutMs: number;
  signal?: AbortSignal;
}): Promise<LoopbackListener> {
  let settle: (result: CallbackResult) => void = () => undefined;
  const code = new Promise<string>((resolve, reject) => {
    settle = (result) => (result.ok ? resolve(result.code) : reject(result.error));
  });
  // The flow may fail (timeout, abort) before anyone awaits the code; the awaiting caller still sees it.
  code.catch(() => undefined);

  let finished = false;
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    // Browsers also ask for /favicon.ico; only the callback path counts, and only once.
    if (request.method !== 'GET' || url.pathname !== CALLBACK_PATH || finished) {
      response.writeHead(404, { connection: 'close' }).end();
      return;
    }
    const result = readCallback(url.searchParams, options.expectedState);
    answer(response, result.ok ? 200 : 400, result.ok ? SIGNED_IN : FAILED);
    // Any process or page on this machine can reach the port: a request without our state is not the browser
    // coming back, and must not end the sign-in. It is refused, and the listener waits on for the real one.
    if (!result.ok && result.error.code === 'state_mismatch') return;
    finish(result);
  });

  const onAbort = () => finish({ ok: false, error: new AuthError('cancelled', 'Sign-in was cancelled.') });

  function finish(result: CallbackResult) {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    settle(result);
    // Stop listening now; the answer being written finishes on its own socket (connection: close).
    server.close();
    server.closeIdleConnections();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  // Declared after listen: a failed listen leaves no timer behind. finish() only runs after this line.
  const timer = setTimeout(
    () => finish({ ok: false, error: new AuthError('timeout', 'Sign-in timed out: the browser did not come back.') }),
    options.timeoutMs,
  );
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  const { port } = server.address() as AddressInfo;
  return {
    redirectUri: `http://127.0.0.1:${port}${CALLBACK_PATH}`,
    code,
    close: () => finish({ ok: false, error: new AuthError('cancelled', 'Sign-in was cancelled.') }),
  };
}
