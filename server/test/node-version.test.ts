// The Node check the server and `npm start` make first: an older Node gets one line naming both versions; the
// required one is the root package.json's `engines`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeVersionProblem, REQUIRED_NODE } from '../src/config/node-version.js';
import { REPO_ROOT } from './support/process.js';

describe('nodeVersionProblem', () => {
  it('requires what package.json says in engines', () => {
    const { engines } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    expect(engines.node).toBe(`>=${REQUIRED_NODE}`);
  });

  it.each(['v24.11.0', 'v24.11.1', 'v24.21.0', 'v25.0.0', 'v26.1.0'])('accepts %s', (running) => {
    expect(nodeVersionProblem(running, '24.11.0')).toBeNull();
  });

  it.each(['v20.20.2', 'v22.99.0', 'v24.10.9', 'v24.0.0'])('refuses %s in one line naming both versions', (running) => {
    expect(nodeVersionProblem(running, '24.11.0')).toBe(
      `Node 24.11 or newer is required (this is ${running}); see "Two commands" in README.md`,
    );
  });

  it('names a required patch release in full', () => {
    expect(nodeVersionProblem('v24.11.0', '24.11.1')).toMatch(/^Node 24\.11\.1 or newer is required/);
  });

  it('passes the Node running this test', () => {
    expect(nodeVersionProblem(process.version)).toBeNull();
  });
});
