// Query bytes in, reply bytes out: authoritative answers for our zone, the upstream's reply for
// other names when forwarding is configured and the client may use it (DNS_FORWARD_ALLOW:
// loopback and private networks by default, so it is no open resolver for the internet), REFUSED
// otherwise. A response is never answered: two servers (or one, spoofed to itself) would bounce
// packets for ever.
import { forwardQuery } from '../forward/forward.js';
import type { DnsOptions } from '../options/options.js';
import {
  encodeAnswers,
  headerOnly,
  opcode,
  parseQuery,
  RCODE,
  reply,
  soaRecord,
  TYPE,
  type EncodedAnswers,
  type Query,
} from '../wire/raw.js';
import type { Zone } from '../zone/zone.js';

/** Forwarded queries in flight at once; beyond, SERVFAIL (each holds a socket for up to 2 s). */
export const MAX_FORWARDS_IN_FLIGHT = 1000;

export class Resolver {
  private readonly answers: EncodedAnswers;
  private forwarding = 0;

  constructor(
    private readonly zone: Zone,
    private readonly options: DnsOptions,
  ) {
    this.answers = encodeAnswers(options.ipv4, options.ipv6, options.ttl);
  }

  /** The name exists, that type does not: NOERROR, no answer, the zone's SOA as authority. */
  private noData(buf: Buffer, q: Query): Buffer {
    return reply(buf, q, null, 0, RCODE.NOERROR, true, soaRecord(q, this.zone.apexOf(q.name).length, this.options.ttl));
  }

  /**
   * Synchronous for our names (the hot path); a promise only when forwarding. `client`: the
   * asker's address, which decides whether other names are forwarded for it.
   */
  resolve(buf: Buffer, client: string): Buffer | null | Promise<Buffer | null> {
    if (buf.length < 3 || (buf[2]! & 0x80) !== 0) return null; // QR set: a response, not a query
    const q = parseQuery(buf);
    if (!q) return headerOnly(buf, buf.length >= 12 && opcode(buf) !== 0 ? RCODE.NOTIMP : RCODE.FORMERR);
    if (opcode(buf) !== 0) return reply(buf, q, null, 0, RCODE.NOTIMP, false);
    if (this.zone.decide(q.name) === 'ours') {
      if (q.cls !== 1 && q.cls !== 255) return reply(buf, q, null, 0, RCODE.REFUSED, false);
      const a = this.answers;
      switch (q.type) {
        case TYPE.A:
          return a.aCount > 0 ? reply(buf, q, a.a, a.aCount, RCODE.NOERROR, true) : this.noData(buf, q);
        case TYPE.AAAA:
          return a.aaaaCount > 0 ? reply(buf, q, a.aaaa, a.aaaaCount, RCODE.NOERROR, true) : this.noData(buf, q);
        case TYPE.ANY:
          return reply(buf, q, a.any, a.anyCount, RCODE.NOERROR, true);
        case TYPE.SOA:
          if (this.zone.apexOf(q.name) === q.name)
            return reply(buf, q, soaRecord(q, q.name.length, this.options.ttl), 1, RCODE.NOERROR, true);
          return this.noData(buf, q);
        default:
          return this.noData(buf, q);
      }
    }
    const upstream = this.options.forward;
    if (!upstream || !this.options.mayForward(client)) return reply(buf, q, null, 0, RCODE.REFUSED, false);
    if (this.forwarding >= MAX_FORWARDS_IN_FLIGHT) return reply(buf, q, null, 0, RCODE.SERVFAIL, false);
    this.forwarding++;
    return forwardQuery(buf, upstream)
      .then((r) => r ?? reply(buf, q, null, 0, RCODE.SERVFAIL, false))
      .finally(() => {
        this.forwarding--;
      });
  }
}
