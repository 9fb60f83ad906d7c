// Loads the coaching methodology (coaching/): the system prompt, then the guardrails, and the version
// reported in every stream_start. Read once at start; the texts are the cached prefix of every request.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const COACHING_DIR = fileURLToPath(new URL('../../../coaching/', import.meta.url));

export interface CoachingPrompt {
  text: string;
  version: string;
  /** Its size in tokens, estimated at four characters a token until a request measures it (shared-prompt.ts). */
  estimatedTokens: number;
}

export async function loadCoachingPrompt(dir: string = COACHING_DIR): Promise<CoachingPrompt> {
  const [systemPrompt, guardrails, versionFile] = await Promise.all([
    readFile(`${dir}/system-prompt.md`, 'utf8'),
    readFile(`${dir}/guardrails.md`, 'utf8'),
    readFile(`${dir}/version.json`, 'utf8'),
  ]);
  const { version } = JSON.parse(versionFile) as { version?: unknown };
  if (typeof version !== 'string' || version.length === 0) throw new Error('coaching/version.json has no version');
  const text = `${systemPrompt.trim()}\n\n${guardrails.trim()}\n`;
  return { text, version, estimatedTokens: Math.ceil(text.length / 4) };
}
