// The outgoing channels: a JSON webhook that both Slack (`text`) and Discord (`content`) accept,
// and e-mail over SMTP through nodemailer. Neither follows redirects or waits long.
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import nodemailer, { type Transporter } from 'nodemailer';
import { isPublicAddress } from '../webhooks/address.js';
import type { Config } from '../../common/config/config.js';

export const WEBHOOK_TIMEOUT_MS = 5000;

/**
 * A lookup that only hands out public addresses: the check happens on the very answer the
 * socket connects to, so a second DNS answer cannot swap in a private address (rebinding).
 */
function publicOnlyLookup(allowPrivate: boolean): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as dns.LookupAddress[];
      const refused = allowPrivate ? undefined : list.find((a) => !isPublicAddress(a.address));
      if (refused || list.length === 0) {
        return callback(
          Object.assign(new Error(`${hostname} resolves to a non-public address ${refused?.address ?? ''}`), { code: 'EPRIVATE' }),
          '',
          0,
        );
      }
      if (options.all) return callback(null, list as unknown as string, 0);
      return callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

/**
 * POSTs the message. Unless an admin allows private URLs (the same switch as webhook clones),
 * the target must be a public address: a notification URL is user input and must not become a
 * way to reach the platform's own network.
 */
export async function postWebhook(url: string, text: string, allowPrivate = false): Promise<void> {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host) && !allowPrivate && !isPublicAddress(host)) throw new Error(`webhook address ${host} is not public`);
  const body = JSON.stringify({ text, content: text });
  const send = target.protocol === 'https:' ? https.request : http.request;
  await new Promise<void>((resolve, reject) => {
    const req = send(
      target,
      {
        method: 'POST',
        lookup: publicOnlyLookup(allowPrivate),
        timeout: WEBHOOK_TIMEOUT_MS,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'DeployFlow' },
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        // Redirects are not followed: a 3xx is a failure like any other non-2xx.
        if (status < 200 || status >= 300) reject(new Error(`webhook answered ${status}`));
        else res.once('end', () => resolve());
      },
    );
    req.once('timeout', () => req.destroy(new Error(`webhook did not answer within ${WEBHOOK_TIMEOUT_MS} ms`)));
    req.once('error', reject);
    req.end(body);
  });
}

export interface Mailer {
  send(to: string[], subject: string, text: string): Promise<void>;
  close(): void;
}

/** null when no SMTP server is configured: e-mail settings are then kept but nothing is sent. */
export function createMailer(config: Config): Mailer | null {
  if (!config.smtpUrl) return null;
  const transport: Transporter = nodemailer.createTransport(config.smtpUrl);
  return {
    async send(to, subject, text) {
      await transport.sendMail({ from: config.smtpFrom, to, subject, text });
    },
    close: () => transport.close(),
  };
}
