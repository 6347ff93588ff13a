// The managed block in a hosts file: the platform domain and every routed name under it, mapped
// to the address the gateway listens on. A hosts file has no wildcards, so each app's name gets
// its own line, kept in step with the route table. Everything outside the block is left byte for
// byte as it was; removing the block restores the file.
export const BEGIN = '# BEGIN DeployFlow: managed by `deployflow up`, removed by `deployflow down` (edits inside are lost)';
export const END = '# END DeployFlow';

/** The apex, then each routed name under the domain (no custom domains: they resolve through their own DNS). */
export function platformNames(domain: string, routedHosts: Iterable<string>): string[] {
  const under = new Set<string>();
  for (const host of routedHosts) {
    const name = host.toLowerCase();
    if (name !== domain && name.endsWith(`.${domain}`) && !name.includes('*')) under.add(name);
  }
  return [domain, ...[...under].sort()];
}

/** The address local clients reach the gateway at: the bind address when it is a specific one. */
export function localAddress(bind: string): string {
  return bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind;
}

export function withoutBlock(text: string): string {
  const lines = text.split('\n');
  const begin = lines.indexOf(BEGIN);
  if (begin < 0) return text;
  const end = lines.indexOf(END, begin);
  // A block whose end line was deleted by hand: only the begin line is ours for sure.
  lines.splice(begin, end < 0 ? 1 : end - begin + 1);
  return lines.join('\n');
}

export function withBlock(text: string, address: string, names: string[]): string {
  const rest = withoutBlock(text);
  if (names.length === 0) return rest;
  const block = [BEGIN, ...names.map((n) => `${address}\t${n}`), END].join('\n');
  const separator = rest === '' || rest.endsWith('\n') ? '' : '\n';
  return `${rest}${separator}${block}\n`;
}
