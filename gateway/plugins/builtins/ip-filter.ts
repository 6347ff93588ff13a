// ip-filter at the gateway: the config's CIDRs in two node:net BlockLists; deny wins, and with
// an allow list only its addresses pass. Refused clients get 403.
import net from 'node:net';
import { parseCidr } from '../../../common/plugins/builtins/ip-filter.js';
import type { GatewayPlugin, PluginAnswer } from '../types.js';

function blockList(entries: readonly string[] | undefined): net.BlockList | null {
  if (!entries || entries.length === 0) return null;
  const list = new net.BlockList();
  for (const e of entries) {
    const c = parseCidr(e);
    if (!c) throw new Error(`not an address or CIDR: ${e}`);
    list.addSubnet(c.address, c.prefix, c.family);
  }
  return list;
}

const forbidden: PluginAnswer = {
  status: 403,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ error: { code: 'DF_ERR_FORBIDDEN', message: 'Your address may not use this app' } }),
};

export const ipFilter: GatewayPlugin = {
  name: 'ip-filter',
  create(config) {
    const allow = blockList(config.allow as string[] | undefined);
    const deny = blockList(config.deny as string[] | undefined);
    return {
      onRequest(req) {
        const family = net.isIP(req.remote) === 6 ? 'ipv6' : 'ipv4';
        if (deny?.check(req.remote, family)) return forbidden;
        if (allow && !allow.check(req.remote, family)) return forbidden;
        return undefined;
      },
    };
  },
};
