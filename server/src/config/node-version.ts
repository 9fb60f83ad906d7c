// The oldest Node the server runs on, and the one line it prints on an older one. REQUIRED_NODE is the root
// package.json's `engines` (the image has no root package.json); server/test/node-version.test.ts keeps them equal.
export const REQUIRED_NODE = '24.11.0';

const parts = (version: string): number[] => version.replace(/^v/, '').split('.').map(Number);

/** Why `running` (`process.version`) is too old for `required`, in one line; null when it is new enough. */
export function nodeVersionProblem(running: string, required: string = REQUIRED_NODE): string | null {
  const have = parts(running);
  const need = parts(required);
  for (let index = 0; index < need.length; index += 1) {
    const difference = (have[index] ?? 0) - (need[index] ?? 0);
    if (difference > 0) return null;
    if (difference < 0) {
      const shown = need[2] === 0 ? need.slice(0, 2).join('.') : need.join('.');
      return `Node ${shown} or newer is required (this is ${running}); see "Two commands" in README.md`;
    }
  }
  return null;
}
