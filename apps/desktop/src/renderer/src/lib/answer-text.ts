// An answer's Markdown as plain text, for "Copy as plain text" and the plan card: the words without the marks
// (emphasis, code ticks, heading hashes, quote bars), links as "words (address)", table rows as tab-separated
// cells. Pure, so it is tested in Node.

/** Inline Markdown reduced to its words. */
export function answerPlainText(inline: string): string {
  return inline
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_whole, words: string, href: string) =>
      /^(https?:|mailto:)/i.test(href) ? `${words} (${href})` : words,
    )
    .replace(/`([^`]*)`/g, '$1')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(^|[^\w*])[*_]([^*_\s][^*_]*?)[*_](?=[^\w*]|$)/g, '$1$2')
    .replace(/~~(.+?)~~/g, '$1')
    .replace(/\\([\\`*_{}[\]()#+\-.!|>~])/g, '$1');
}

const DIVIDER = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;

/** The whole answer as plain text, line by line. */
export function markdownToPlainText(markdown: string): string {
  const lines: string[] = [];
  let fence = false;
  for (const raw of markdown.split(/\r?\n/)) {
    if (/^\s*(```|~~~)/.test(raw)) {
      fence = !fence;
      continue;
    }
    if (fence) {
      lines.push(raw);
      continue;
    }
    if (DIVIDER.test(raw) && raw.includes('-') && raw.includes('|')) continue;
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(raw)) continue;
    let line = raw
      .replace(/^\s{0,3}#{1,6}\s+/, '')
      .replace(/^\s*(>\s?)+/, '')
      .replace(/^(\s*)[-*+]\s+\[([ xX])\]\s+/, (_whole, indent: string, done: string) =>
        done === ' ' ? `${indent}☐ ` : `${indent}☑ `,
      )
      .replace(/^(\s*)[*+]\s+/, '$1- ');
    if (/^\s*\|.*\|\s*$/.test(line)) {
      line = line
        .trim()
        .replace(/^\|/, '')
        .replace(/\|$/, '')
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim())
        .join('\t');
    }
    lines.push(answerPlainText(line));
  }
  return lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
