// `deployflow <command>` for everything but the services: parses the arguments against the
// command table, loads only the module of that command's group, and turns every failure into one
// `deployflow: DF_ERR_…: message` line and its exit code (never a stack trace).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createContext, type OptionValue } from './context.js';
import { CliError, EXIT, usageError } from './errors.js';
import { commandHelp, overview } from './help.js';
import type { Handlers } from './handlers.js';
import { findCommand, nearestCommand, type CommandSpec, type Group } from './registry.js';

const GROUPS: Record<Group, () => Promise<{ handlers: Handlers }>> = {
  auth: () => import('./commands/auth.js'),
  apps: () => import('./commands/apps.js'),
  config: () => import('./commands/config.js'),
  ps: () => import('./commands/ps.js'),
  logs: () => import('./commands/logs.js'),
  releases: () => import('./commands/releases.js'),
  domains: () => import('./commands/domains.js'),
  access: () => import('./commands/access.js'),
  teams: () => import('./commands/teams.js'),
  edge: () => import('./commands/edge.js'),
  completion: () => import('./commands/completion.js'),
};

function parse(spec: CommandSpec, argv: string[]): { args: string[]; options: Record<string, OptionValue> } {
  const options: NonNullable<ParseArgsConfig['options']> = {
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    ...(spec.app ? { app: { type: 'string', short: 'a' } } : {}),
  };
  for (const [name, o] of Object.entries(spec.options ?? {})) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw usageError(`${(err as Error).message.split('\n')[0]} (see deployflow ${spec.name} --help)`);
  }
  const args = parsed.positionals;
  if (!parsed.values.help) {
    const min = spec.minArgs ?? 0;
    const max = spec.maxArgs ?? 0;
    if (args.length < min || args.length > max) {
      throw usageError(`usage: deployflow ${spec.name}${spec.args ? ` ${spec.args}` : ''}${spec.app ? ' [-a APP]' : ''} (see --help)`);
    }
  }
  return { args, options: parsed.values as Record<string, OptionValue> };
}

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const spec = rest[0] ? findCommand(rest[0]) : undefined;
    process.stdout.write(`${spec ? commandHelp(spec) : overview()}\n`);
    return EXIT.ok;
  }
  if (name === '--version' || name === 'version') {
    process.stdout.write('deployflow 0.1.0\n');
    return EXIT.ok;
  }
  const spec = findCommand(name);
  try {
    if (!spec) {
      const nearest = await nearestCommand(name);
      throw usageError(`${name} is not a deployflow command.${nearest ? ` Did you mean ${nearest}?` : ''} See deployflow help`);
    }
    const { args, options } = parse(spec, rest);
    if (options.help) {
      process.stdout.write(`${commandHelp(spec)}\n`);
      return EXIT.ok;
    }
    const { handlers } = await GROUPS[spec.group]();
    await handlers[spec.name]!(createContext(spec, args, options));
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`deployflow: ${err.code}: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`deployflow: DF_ERR_INTERNAL: ${(err as Error).message ?? String(err)}\n`);
    return EXIT.failed;
  }
}

const code = await runCli(process.argv.slice(2));
// Exit as soon as the answer is out, not when idle keep-alive connections happen to close.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
