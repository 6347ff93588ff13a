// ip-filter: allow and deny lists of client addresses (CIDRs or single addresses). Deny wins;
// with an allow list, only addresses on it pass. Each entry is parsed here (node:net), so an
// entry that does not parse is a 400 naming it, never a surprise at request time.
import net from 'node:net';
import { z } from 'zod';
import { definePlugin } from '../chain.js';

export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** `10.0.0.0/8`, `2001:db8::/32` or a single address; null when it does not parse. */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const version = net.isIP(address);
  if (version === 0) return null;
  const max = version === 4 ? 32 : 128;
  const prefixText = slash === -1 ? String(max) : text.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(prefixText) || Number(prefixText) > max) return null;
  return { address, prefix: Number(prefixText), family: version === 4 ? 'ipv4' : 'ipv6' };
}

const cidr = z
  .string()
  .max(64)
  .refine((c) => parseCidr(c) !== null, { error: (i) => `not an address or CIDR: "${String(i.input)}"` });
const list = z.array(cidr).max(1000);

export const ipFilterSchema = z
  .strictObject({
    allow: list.optional().describe('Only these addresses pass (empty or absent: everyone not denied)'),
    deny: list.optional().describe('These addresses get 403, even when allowed'),
  })
  .refine((c) => (c.allow?.length ?? 0) + (c.deny?.length ?? 0) > 0, 'give at least one allow or deny entry');

definePlugin({ name: 'ip-filter', schema: ipFilterSchema });
