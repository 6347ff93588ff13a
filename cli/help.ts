// Help text, generated from the command table.
import { COMMANDS, type CommandSpec } from './registry.js';

export function commandHelp(spec: CommandSpec): string {
  const usage = ['deployflow', spec.name, spec.args ?? '', spec.app ? '[-a APP]' : '', '[--json]'].filter(Boolean).join(' ');
  const options: [string, string][] = Object.entries(spec.options ?? {}).map(([name, o]) => [
    `${o.short ? `-${o.short}, ` : '    '}--${name}${o.value ? ` ${o.value}` : ''}`,
    o.description,
  ]);
  if (spec.app) options.push(['-a, --app APP', 'the app (default: from the `deployflow` git remote, or DEPLOYFLOW_APP)']);
  options.push(['    --json', "print the API's JSON answer"], ['-h, --help', 'show this help']);
  const width = Math.max(...options.map(([o]) => o.length));
  return [
    `${spec.summary}.`,
    '',
    `usage: ${usage}`,
    '',
    'options:',
    ...options.map(([o, d]) => `  ${o.padEnd(width)}  ${d}`),
    '',
    'example:',
    `  ${spec.example}`,
  ].join('\n');
}

export function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length + (c.args ? c.args.length + 1 : 0)));
  return [
    'usage: deployflow COMMAND [ARGS] [-a APP] [--json]',
    '',
    'Client commands (DEPLOYFLOW_URL and DEPLOYFLOW_TOKEN override the stored login):',
    ...COMMANDS.map((c) => `  ${`${c.name}${c.args ? ` ${c.args}` : ''}`.padEnd(width)}  ${c.summary}`),
    '',
    'Platform: deployflow up | down | doctor | control | git | gateway | dns',
    '',
    '`deployflow COMMAND --help` shows its options and an example.',
    'Exit codes: 0 ok, 1 failed, 2 usage, 3 not logged in, 4 not found.',
  ].join('\n');
}
