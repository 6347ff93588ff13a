// The resolver's hot path on raw DNS bytes. Answers are encoded once per record type when the
// configuration is read (owner name = a compression pointer to the question, so the same bytes
// serve every name), and a reply is header + the query's own question + those bytes: one
// allocation and two copies per query, no packet objects. The question is echoed exactly as
// asked, which keeps 0x20 case-randomising clients happy.
export const TYPE = { A: 1, SOA: 6, AAAA: 28, ANY: 255 } as const;
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NOTIMP: 4, REFUSED: 5 } as const;

export interface EncodedAnswers {
  a: Buffer;
  aCount: number;
  aaaa: Buffer;
  aaaaCount: number;
  any: Buffer;
  anyCount: number;
}

function rr(type: number, ttl: number, rdata: Buffer): Buffer {
  const out = Buffer.alloc(12 + rdata.length);
  out.writeUInt16BE(0xc00c, 0); // pointer to the question name at offset 12
  out.writeUInt16BE(type, 2);
  out.writeUInt16BE(1, 4); // IN
  out.writeUInt32BE(ttl, 6);
  out.writeUInt16BE(rdata.length, 10);
  rdata.copy(out, 12);
  return out;
}

function ipv6Bytes(ip: string): Buffer {
  // Expand '::' into the zero groups it stands for; the address was validated by net.isIPv6.
  const [head = '', tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

export function encodeAnswers(ipv4: string[], ipv6: string[], ttl: number): EncodedAnswers {
  const a = ipv4.map((ip) => rr(TYPE.A, ttl, Buffer.from(ip.split('.').map(Number))));
  const aaaa = ipv6.map((ip) => rr(TYPE.AAAA, ttl, ipv6Bytes(ip)));
  return {
    a: Buffer.concat(a),
    aCount: a.length,
    aaaa: Buffer.concat(aaaa),
    aaaaCount: aaaa.length,
    any: Buffer.concat([...a, ...aaaa]),
    anyCount: a.length + aaaa.length,
  };
}

export interface Query {
  /** Lower case, no trailing dot ('' for the root). */
  name: string;
  type: number;
  cls: number;
  /** Offset just past the question: header + question are copied into the reply. */
  end: number;
}

/** A standard one-question query, or null (the caller answers FORMERR/NOTIMP). */
export function parseQuery(buf: Buffer): Query | null {
  if (buf.length < 17 || (buf[2]! & 0x80) !== 0) return null; // too short, or a response
  if (buf.readUInt16BE(4) !== 1) return null;
  let off = 12;
  let name = '';
  for (;;) {
    const len = buf[off];
    if (len === undefined || (len & 0xc0) !== 0) return null; // truncated, or a pointer in a query
    off++;
    if (len === 0) break;
    // 253 characters as text is 255 octets on the wire, the limit (RFC 1035 §2.3.4).
    if (off + len > buf.length || name.length + (name ? 1 : 0) + len > 253) return null;
    const label = buf.toString('latin1', off, off + len);
    // A dot inside a label would make the text name disagree with its labels (and names are matched as text).
    if (label.includes('.')) return null;
    name += (name ? '.' : '') + label;
    off += len;
  }
  if (off + 4 > buf.length) return null;
  return { name: name.toLowerCase(), type: buf.readUInt16BE(off), cls: buf.readUInt16BE(off + 2), end: off + 4 };
}

export function opcode(buf: Buffer): number {
  return (buf[2]! >> 3) & 0x0f;
}

/**
 * header + question + `records`, flagged as an (authoritative) answer with `rcode`; `authority`
 * (one record, the zone's SOA) goes in the authority section.
 */
export function reply(
  buf: Buffer,
  q: Query,
  records: Buffer | null,
  count: number,
  rcode: number,
  authoritative: boolean,
  authority: Buffer | null = null,
): Buffer {
  const size = q.end + (records ? records.length : 0) + (authority ? authority.length : 0);
  const out = Buffer.allocUnsafe(size);
  buf.copy(out, 0, 0, q.end);
  out[2] = 0x80 | (buf[2]! & 0x79 & ~0x06) | (authoritative ? 0x04 : 0); // QR, opcode+RD kept, AA, TC=0
  out[3] = rcode;
  out.writeUInt16BE(1, 4);
  out.writeUInt16BE(count, 6);
  out.writeUInt16BE(authority ? 1 : 0, 8); // NSCOUNT
  out.writeUInt16BE(0, 10); // ARCOUNT
  if (records) records.copy(out, q.end);
  if (authority) authority.copy(out, q.end + (records ? records.length : 0));
  return out;
}

const SOA_TAIL = Buffer.alloc(20);
SOA_TAIL.writeUInt32BE(1, 0); // serial: no zone transfers, so it never has to move
SOA_TAIL.writeUInt32BE(3600, 4); // refresh
SOA_TAIL.writeUInt32BE(600, 8); // retry
SOA_TAIL.writeUInt32BE(86400, 12); // expire

/**
 * The SOA of the zone whose apex is the last `apexLength` characters of the question name (the
 * platform domain, or a custom domain itself): `<apex> SOA ns.<apex> hostmaster.<apex>`, every
 * name a pointer into the question. In the authority section of an empty answer it lets
 * resolvers cache the "no such record" (RFC 2308) — browsers ask AAAA and HTTPS for every name.
 */
export function soaRecord(q: Query, apexLength: number, ttl: number): Buffer {
  // The question name's wire form is name.length + 2 bytes, ending 4 bytes before q.end.
  const apex = 0xc000 | (q.end - 4 - (apexLength + 2));
  const rdata = Buffer.alloc(3 + 2 + 11 + 2 + 20);
  let o = rdata.write('\u0002ns', 0, 'latin1');
  o = rdata.writeUInt16BE(apex, o);
  o += rdata.write('\u000ahostmaster', o, 'latin1');
  o = rdata.writeUInt16BE(apex, o);
  SOA_TAIL.copy(rdata, o);
  rdata.writeUInt32BE(ttl, o + 16); // minimum: how long a "no such record" may be cached
  const out = Buffer.alloc(12 + rdata.length);
  out.writeUInt16BE(apex, 0);
  out.writeUInt16BE(TYPE.SOA, 2);
  out.writeUInt16BE(1, 4);
  out.writeUInt32BE(ttl, 6);
  out.writeUInt16BE(rdata.length, 10);
  rdata.copy(out, 12);
  return out;
}

/** An error reply for a query we could not parse: the header only, ID kept. */
export function headerOnly(buf: Buffer, rcode: number): Buffer | null {
  if (buf.length < 12) return null;
  const out = Buffer.alloc(12);
  buf.copy(out, 0, 0, 4);
  out[2] = 0x80 | (buf[2]! & 0x79);
  out[3] = rcode;
  return out;
}
