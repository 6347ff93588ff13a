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
  const cases = COMMANDS.map((c) => `      ${c.name}) candidates="${optionsOf(c.name)}" ;;`).join('\n');
  // Bash splits words at ':' (it is in COMP_WORDBREAKS), so COMP_WORDS holds \`apps : cr\` for
  // \`apps:cr\`. The words are taken from the line itself instead (COMP_LINE up to COMP_POINT, split
  // at blanks), and, as bash-completion's __ltrim_colon_completions does, each answer loses what
  // precedes the word's last ':', since bash replaces only the text after it.
  return `# deployflow bash completion: source <(deployflow completion bash)
_deployflow() {
  local line=\${COMP_LINE:0:$COMP_POINT}
  local cur=\${line##*[[:space:]]}
  local -a words
  read -r -a words <<< "\${line%"$cur"}"
  local candidates=""
  if [ "\${#words[@]}" -le 1 ]; then
    candidates="${names}"
  else
    case "\${words[1]}" in
${cases}
    esac
  fi
  COMPREPLY=($(compgen -W "$candidates" -- "$cur"))
  if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
    local colon=\${cur%"\${cur##*:}"} i
    for i in "\${!COMPREPLY[@]}"; do COMPREPLY[i]=\${COMPREPLY[i]#"$colon"}; done
  fi
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
