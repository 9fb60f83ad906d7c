// Imported first by the entry point (server.ts), for its effect: on a Node older than `engines` the process stops
// with one line, before the rest of the server is loaded (ES modules evaluate their imports first, in order, so a
// check in server.ts's own body ran after every dependency had loaded, and one failing on an old Node would have
// printed a stack trace instead).
import { nodeVersionProblem } from './node-version.js';

const tooOld = nodeVersionProblem(process.version);
if (tooOld) {
  console.error(`strat-coach: ${tooOld}`);
  process.exit(1);
}
