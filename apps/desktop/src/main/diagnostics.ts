// "Copy diagnostics": what a bug report needs — versions, the OS, the server and where it came from, the
// session's state, the log file and the last problems — as plain text, with every token-shaped part blanked
// once more over the whole text. Never a token: the session contributes its status word only.
import { redactSecrets } from './log-file';
import type { ServerUrlChoice } from './server-url';

export interface DiagnosticsFacts {
  appVersion: string;
  versions: { electron?: string | undefined; chrome?: string | undefined; node?: string | undefined };
  os: { platform: string; release: string; arch: string };
  server: ServerUrlChoice;
  packaged: boolean;
  session: string;
  update: string;
  logFile: string;
  recentProblems: readonly string[];
}

export function diagnosticsText(facts: DiagnosticsFacts): string {
  const { versions, os, server } = facts;
  const lines = [
    `Strat Coach ${facts.appVersion}${facts.packaged ? '' : ' (development)'}`,
    `Electron ${versions.electron ?? '?'}, Chromium ${versions.chrome ?? '?'}, Node ${versions.node ?? '?'}`,
    `OS: ${os.platform} ${os.release} (${os.arch})`,
    `Server: ${server.url} (from ${server.source})${server.refused ? `; refused: ${server.refused}` : ''}`,
    `Session: ${facts.session}`,
    `Update: ${facts.update}`,
    `Log file: ${facts.logFile}`,
    '',
    facts.recentProblems.length > 0 ? 'Last problems:' : 'No problems logged since the app started.',
    ...facts.recentProblems,
  ];
  return redactSecrets(lines.join('\n'));
}
