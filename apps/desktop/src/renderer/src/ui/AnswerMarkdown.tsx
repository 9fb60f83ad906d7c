// An answer's Markdown, rendered inert: raw HTML shows as text (no rehype-raw), links open outside the app
// (Electron's window-open handler hands them to the OS), and images are never fetched: their alt text
// stands in, so an answer cannot make the app load a remote URL. GitHub tables (remark-gfm): the coach's
// bar list and trade plan are tables, kept scrollable sideways in a narrow window.
import Markdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import './thread.css';

/** Only absolute web and mail links: a relative one would point into the app itself. */
const OUTSIDE_LINK = /^(https?:\/\/|mailto:)/i;

const components: Components = {
  a: ({ href, children }) =>
    href && OUTSIDE_LINK.test(href) ? (
      <a href={href} target="_blank" rel="noreferrer">
        {children}
      </a>
    ) : (
      <span className="md-dead-link">{children}</span>
    ),
  img: ({ alt }) => <span className="md-image-alt">{alt ? `[image: ${alt}]` : '[image]'}</span>,
  table: ({ children }) => (
    <div className="md-table">
      <table>{children}</table>
    </div>
  ),
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
