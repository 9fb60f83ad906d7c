// An answer's Markdown, rendered inert: raw HTML shows as text (no rehype-raw), links open outside the app
// (Electron's window-open handler hands them to the OS), and images are never fetched: their alt text
// stands in, so an answer cannot make the app load a remote URL. GitHub tables (remark-gfm): the coach's
// bar list and trade plan are tables, kept scrollable sideways in a narrow window.
import Markdown, { type Components, type ExtraProps } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import './thread.css';

/**
 * Only absolute web links: a relative one would point into the app itself, and main hands the OS nothing else
 * (app-url.ts, externalLink), so a mailto: link would look live and do nothing.
 */
const OUTSIDE_LINK = /^https?:\/\//i;

type HastNode = NonNullable<ExtraProps['node']>;

/** The words a link shows. */
const textOf = (node: HastNode | HastNode['children'][number]): string =>
  node.type === 'text' ? node.value : 'children' in node ? node.children.map(textOf).join('') : '';

const hostOf = (address: string): string | null => {
  try {
    return new URL(address).host.toLowerCase();
  } catch {
    return null;
  }
};

/**
 * The host a link goes to, for the trader to see: null when its words are an address on that very host. Words that
 * merely contain it ("www.tradingview.com/?ref=evil.example" for evil.example) still get it shown.
 */
function hostToShow(href: string, node: HastNode | undefined): string | null {
  const host = hostOf(href);
  if (host === null) return null;
  const words = node ? textOf(node).trim() : '';
  const wordsHost = /\s/.test(words)
    ? null
    : hostOf(/^[a-z][a-z0-9+.-]*:\/\//i.test(words) ? words : `https://${words}`);
  return wordsHost === host ? null : host;
}

const components: Components = {
  // An answer is the model's text, and a chart's own words can steer it: "[Sign in again](https://evil.example)"
  // shows where it goes, beside the link (outside it, so the link's name stays its words) and in its title.
  a: ({ href, children, node }) => {
    if (!href || !OUTSIDE_LINK.test(href)) return <span className="md-dead-link">{children}</span>;
    const host = hostToShow(href, node);
    return (
      <>
        <a href={href} target="_blank" rel="noreferrer" title={href}>
          {children}
        </a>
        {host ? <span className="md-link-host"> ({host})</span> : null}
      </>
    );
  },
  img: ({ alt }) => <span className="md-image-alt">{alt ? `[image: ${alt}]` : '[image]'}</span>,
  // Both scroll sideways on their own when wider than the answer: focusable, so a keyboard can scroll them too.
  table: ({ children }) => (
    <div className="md-table" tabIndex={0}>
      <table>{children}</table>
    </div>
  ),
  pre: ({ children }) => <pre tabIndex={0}>{children}</pre>,
};

const plugins = [remarkGfm];

export function AnswerMarkdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <Markdown components={components} remarkPlugins={plugins}>
        {text}
      </Markdown>
    </div>
  );
}
