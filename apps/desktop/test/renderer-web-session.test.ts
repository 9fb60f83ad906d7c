// The web host's parts of the shared session: the local issuer reached under the page's own loopback name,
// and the full-page redirect that leaves for the issuer and finishes when the page comes back.
import { describe, expect, it } from 'vitest';
import { redirectBrowser, sameServerFetch } from '../src/renderer/src/host/web-session';

/** A fetch that only notes where it was sent: what is under test is the address, not the network. */
function notingFetch() {
  const sent: string[] = [];
  const fetchImpl = async (input: string | URL | Request) => {
    sent.push(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    return new Response('{}');
  };
  return { sent, fetchImpl };
}

describe('sameServerFetch', () => {
  it('sends the local issuer, named 127.0.0.1, to the page loaded as localhost on the same port', async () => {
    const { sent, fetchImpl } = notingFetch();
    const send = sameServerFetch('http://localhost:3001', fetchImpl);

    await send('http://127.0.0.1:3001/oauth/token?x=1', { method: 'POST' });
    await send('http://127.0.0.1:4000/oauth/token');
    await send('https://clerk.example.com/oauth/token');
    await send('http://localhost:3001/api/v1/auth/config');

    expect(sent).toEqual([
      'http://localhost:3001/oauth/token?x=1',
      'http://127.0.0.1:4000/oauth/token',
      'https://clerk.example.com/oauth/token',
      'http://localhost:3001/api/v1/auth/config',
    ]);
  });
});

describe('redirectBrowser', () => {
  /** The page's location and history, as far as the redirect uses them. */
  function page(search = '') {
    const visited: string[] = [];
    const replaced: string[] = [];
    const location = {
      origin: 'http://127.0.0.1:3001',
      pathname: '/',
      search,
      assign: (url: string) => void visited.push(url),
    } as unknown as Location;
    const history = { replaceState: (_data: unknown, _title: string, url: string) => void replaced.push(url) };
    return { location, history: history as unknown as History, visited, replaced };
  }

  function memoryStorage(): Storage {
    const items = new Map<string, string>();
    return {
      getItem: (key: string) => items.get(key) ?? null,
      setItem: (key: string, value: string) => void items.set(key, value),
      removeItem: (key: string) => void items.delete(key),
    } as Storage;
  }

  it('leaves for the issuer, and the page that comes back finishes that sign-in, once, with a clean URL', async () => {
    const storage = memoryStorage();
    const before = page();
    const answer = await redirectBrowser(storage, before.location, before.history).authorize({
      state: 'st',
      verifier: 'ver',
      urlFor: (redirectUri) => `http://127.0.0.1:3001/oauth/authorize?redirect_uri=${redirectUri}`,
      signal: new AbortController().signal,
    });
    expect(answer).toBe('left');
    expect(before.visited).toEqual(['http://127.0.0.1:3001/oauth/authorize?redirect_uri=http://127.0.0.1:3001/']);

    const after = page('?code=c0de&state=st');
    const browser = redirectBrowser(storage, after.location, after.history);
    const returned = browser.returned!();
    expect(returned?.params.get('code')).toBe('c0de');
    expect(returned?.pending).toEqual({ state: 'st', verifier: 'ver', redirectUri: 'http://127.0.0.1:3001/' });
    expect(after.replaced).toEqual(['/']);
    // The pending sign-in is used up: a second look (or a forged return) finds none.
    expect(browser.returned!()?.pending).toBeNull();
    expect(redirectBrowser(storage, page().location, page().history).returned!()).toBeNull();
  });
});
