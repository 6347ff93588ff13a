// Query bytes in, reply bytes out: authoritative answers for our zone, the upstream's reply for
// other names when forwarding is configured, REFUSED otherwise (never an open resolver).
import { forwardQuery } from '../forward/forward.js';
import type { DnsOptions } from '../options/options.js';
import { encodeAnswers, headerOnly, opcode, parseQuery, RCODE, reply, TYPE, type EncodedAnswers } from '../wire/raw.js';
import type { Zone } from '../zone/zone.js';

export class Resolver {
  private readonly answers: EncodedAnswers;

  constructor(private readonly zone: Zone, private readonly options: DnsOptions) {
    this.answers = encodeAnswers(options.ipv4, options.ipv6, options.ttl);
  }

  /** Synchronous for our names (the hot path); a promise only when forwarding. */
  resolve(buf: Buffer): Buffer | null | Promise<Buffer | null> {
    const q = parseQuery(buf);
    if (!q) return headerOnly(buf, buf.length >= 12 && opcode(buf) !== 0 ? RCODE.NOTIMP : RCODE.FORMERR);
    if (opcode(buf) !== 0) return reply(buf, q, null, 0, RCODE.NOTIMP, false);
    if (this.zone.decide(q.name) === 'ours') {
      if (q.cls !== 1 && q.cls !== 255) return reply(buf, q, null, 0, RCODE.REFUSED, false);
      const a = this.answers;
      switch (q.type) {
        case TYPE.A: return reply(buf, q, a.a, a.aCount, RCODE.NOERROR, true);
        case TYPE.AAAA: return reply(buf, q, a.aaaa, a.aaaaCount, RCODE.NOERROR, true);
        case TYPE.ANY: return reply(buf, q, a.any, a.anyCount, RCODE.NOERROR, true);
        default: return reply(buf, q, null, 0, RCODE.NOERROR, true); // the name exists, that type does not
      }
    }
    const upstream = this.options.forward;
    if (!upstream) return reply(buf, q, null, 0, RCODE.REFUSED, false);
    return forwardQuery(buf, upstream).then((r) => r ?? reply(buf, q, null, 0, RCODE.SERVFAIL, false));
  }
}
