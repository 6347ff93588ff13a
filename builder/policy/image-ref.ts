// Image references as Docker reads them (pure): `node:20` is `docker.io/library/node:20`,
// `deployflow/shop:abc` is `docker.io/deployflow/shop:abc`, a digest may follow any of them.
// The build policy compares normalized names, so `docker.io/deployflow/shop` and
// `index.docker.io/deployflow/shop` cannot slip past a check written for `deployflow/shop`.

export interface ImageRef {
  /** Registry host, `docker.io` for Docker Hub. */
  domain: string;
  /** Repository path without the registry, `library/node` for official images. */
  path: string;
  tag: string | null;
  /** `sha256:<64 hex>` when pinned. */
  digest: string | null;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DOMAIN = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:]+\])(?::[0-9]{1,5})?$/;

/** Parses a reference; null when Docker would not accept it (or it is a bare image id). */
export function parseImageReference(raw: string): ImageRef | null {
  if (raw.length === 0 || raw.length > 512) return null;
  let rest = raw;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return null;
  }
  let tag: string | null = null;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return null;
  }
  // Docker reads 64 hex digits as an image id, never as a repository name.
  if (/^[a-f0-9]{64}$/.test(rest)) return null;
  const parts = rest.split('/');
  let domain = 'docker.io';
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())) {
    if (!DOMAIN.test(first)) return null;
    domain = first === 'index.docker.io' || first === 'registry-1.docker.io' ? 'docker.io' : first;
    parts.shift();
  }
  if (parts.length === 0 || !parts.every((p) => COMPONENT.test(p))) return null;
  if (domain === 'docker.io' && parts.length === 1) parts.unshift('library');
  return { domain, path: parts.join('/'), tag, digest };
}

/** `docker.io/library/node` */
export function repositoryName(ref: ImageRef): string {
  return `${ref.domain}/${ref.path}`;
}

/** The whole normalized reference, `docker.io/library/node:20@sha256:…`. */
export function formatImageReference(ref: ImageRef): string {
  return `${repositoryName(ref)}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}
