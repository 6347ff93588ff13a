// compress at the gateway: streams the body through gzip or brotli (node:zlib) when the client
// accepts it and the response is worth it — a compressible type (not event streams, which must
// not be held back), no Content-Encoding yet, not no-transform, not a range, and not known to be
// smaller than minBytes. Brotli runs at quality 4: close to gzip's speed with a better ratio
// (brotli's default, 11, costs ~100× the CPU — meant for precompressed assets).
import zlib from 'node:zlib';
import type { BodyWriter, GatewayPlugin, PluginInstance } from '../types.js';

type Algorithm = 'br' | 'gzip';

/** The best algorithm `acceptEncoding` allows among `preferred` (in preference order), or null. */
export function chooseEncoding(acceptEncoding: string | undefined, preferred: readonly Algorithm[]): Algorithm | null {
  if (!acceptEncoding) return null;
  const q = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [token, ...params] = part.trim().toLowerCase().split(';');
    const qp = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = qp ? Number(qp.slice(2)) : 1;
    if (token) q.set(token, Number.isFinite(value) ? value : 0);
  }
  let best: Algorithm | null = null;
  let bestQ = 0;
  for (const alg of preferred) {
    const v = q.get(alg) ?? (alg === 'gzip' ? q.get('x-gzip') : undefined) ?? q.get('*') ?? 0;
    if (v > bestQ) {
      best = alg;
      bestQ = v;
    }
  }
  return best;
}

function compressor(alg: Algorithm, next: BodyWriter): BodyWriter {
  const z =
    alg === 'br' ? zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } }) : zlib.createGzip({ level: 6 });
  z.on('data', (d: Buffer) => next.write(d));
  z.on('end', () => next.end());
  z.on('error', () => next.destroy?.());
  return {
    write: (chunk) => {
      z.write(chunk);
    },
    end: () => {
      z.end();
    },
    destroy: () => {
      z.destroy();
    },
  };
}

export const compress: GatewayPlugin = {
  name: 'compress',
  create(config) {
    const types = (config.types as string[] | undefined) ?? [];
    const minBytes = Number(config.minBytes ?? 1024);
    const algorithms = (config.algorithms as Algorithm[] | undefined) ?? ['br', 'gzip'];
    const compressible = (type: string): boolean =>
      type !== 'text/event-stream' && types.some((t) => (t.endsWith('/') ? type.startsWith(t) : type === t));
    const self: PluginInstance = {
      onRequest(req) {
        const alg = chooseEncoding(req.headers.list('accept-encoding'), algorithms);
        if (alg !== null) req.locals.set(self, alg);
      },
      onResponse(req, res) {
        if (res.bodyless || res.status < 200 || res.status === 206) return;
        const h = res.headers;
        if (h.has('content-encoding') || /no-transform/i.test(h.list('cache-control') ?? '')) return;
        const type = (h.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
        if (!compressible(type)) return;
        const length = h.get('content-length');
        if (length !== undefined && Number(length) < minBytes) return;
        h.addToken('vary', 'Accept-Encoding');
        const alg = req.locals.get(self) as Algorithm | undefined;
        if (alg === undefined) return;
        h.remove('content-length');
        h.set('content-encoding', alg);
        const etag = h.get('etag');
        if (etag !== undefined && !etag.startsWith('W/')) h.set('etag', `W/${etag}`); // other bytes: no longer a strong match
        res.filter((next) => compressor(alg, next));
      },
    };
    return self;
  },
};
