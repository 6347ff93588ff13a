// Procfile parsing (Heroku format: `name: command` per line). Only the `web` process matters to
// a release; its command ends up in a generated Dockerfile, so characters that could break out of
// the instruction (newlines, other control characters) are refused rather than cleaned.
import { DeployFlowError } from '../../common/errors/catalogue.js';

const LINE = /^([A-Za-z0-9_-]+)\s*:\s*(.*)$/;

/** Control characters other than tab. */
function hasControl(text: string): boolean {
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}

export function parseProcfile(text: string): Map<string, string> {
  const processes = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m?.[1] || m[2] === undefined) continue;
    const command = m[2].trim();
    if (command === '') continue;
    if (command.length > 4096 || hasControl(command)) {
      throw new DeployFlowError('DF_ERR_VALIDATION', `Procfile process "${m[1]}" has control characters or is too long`);
    }
    processes.set(m[1], command);
  }
  return processes;
}

export function procfileWeb(text: string | undefined): string | undefined {
  return text === undefined ? undefined : parseProcfile(text).get('web');
}
