// A DNS server of the test's own on loopback, standing in for a custom domain's DNS: it answers
// TXT questions from `records` (name → value, names lowercase) and nothing else. Tests point
// DEPLOYFLOW_DOMAIN_RESOLVER at `resolver` and add a record when ownership is to be proven.
import dns2 from 'dns2';
import { freePort } from './ports.js';

const { Packet } = dns2;

export interface TxtDns {
  records: Map<string, string>;
  /** `127.0.0.1:<port>`, for DEPLOYFLOW_DOMAIN_RESOLVER. */
  resolver: string;
  close(): Promise<void>;
}

export async function startTxtDns(): Promise<TxtDns> {
  const records = new Map<string, string>();
  const port = await freePort();
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const q = request.questions[0];
      const value = q ? records.get(q.name.toLowerCase()) : undefined;
      if (q && value !== undefined && q.type === Packet.TYPE.TXT) {
        // dns2's types want a class instance; its encoder takes this plain record.
        response.answers.push({
          name: q.name,
          type: Packet.TYPE.TXT,
          class: Packet.CLASS.IN,
          ttl: 1,
          data: value,
        } as unknown as (typeof response.answers)[number]);
      }
      void send(response);
    },
  });
  await server.listen({ udp: { port, address: '127.0.0.1' } });
  return { records, resolver: `127.0.0.1:${port}`, close: () => server.close() };
}
