// `deployflow completion bash|zsh`: a completion script for the command names and their options.
import type { Context } from '../context.js';
import { usageError } from '../errors.js';
import type { Handlers } from '../handlers.js';
import { print } from '../output.js';
import { COMMANDS } from '../registry.js';

const SERVICES = ['up', 'down', 'doctor', 'control', 'git', 'gateway', 'dns'];

function optionsOf(name: string): string {
  const spec = COMMANDS.find((c) => c.name === name)!;
  return ['--json', '--help', ...(spec.app ? ['--app'] : []), ...Object.keys(spec.options ?? {}).map((o) => `--${o}`)].join(' ');
}

function bash(): string {
  const names = [...COMMANDS.map((c) => c.name), ...SERVICES].join(' ');
  const cases = COMMANDS.map((c) => `    ${c.name}) opts="${optionsOf(c.name)}" ;;`).join('\n');
  return `# deployflow bash completion: source <(deployflow completion bash)
_deployflow() {
  local cur=\${COMP_WORDS[COMP_CWORD]} opts=""
  if [ "$COMP_CWORD" -eq 1 ]; then
    # ':' separates words in bash: complete against the whole command name.
    local prefix=\${COMP_LINE:0:$COMP_POINT}; prefix=\${prefix##* }
    COMPREPLY=($(compgen -W "${names}" -- "$prefix"))
    COMPREPLY=("\${COMPREPLY[@]#\${prefix%\${cur}}}")
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -o default -F _deployflow deployflow
`;
}

function zsh(): string {
  const described = COMMANDS.map((c) => `    '${c.name.replace(/:/g, '\\:')}:${c.summary.replace(/'/g, "'\\''")}'`).join('\n');
  const cases = COMMANDS.map((c) => `    ${c.name}) opts=(${optionsOf(c.name)}) ;;`).join('\n');
  return `#compdef deployflow
# deployflow zsh completion: source <(deployflow completion zsh)
_deployflow() {
  local -a commands opts
  commands=(
${described}
${SERVICES.map((s) => `    '${s}:platform service'`).join('\n')}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  case $words[2] in
${cases}
  esac
  _describe 'option' opts
}
compdef _deployflow deployflow
`;
}

export const handlers: Handlers = {
  async completion(ctx: Context) {
    const shell = ctx.args[0];
    if (shell === 'bash') return print(bash());
    if (shell === 'zsh') return print(zsh());
    throw usageError('completion takes bash or zsh');
  },
};
