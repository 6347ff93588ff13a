// The outgoing channels: a JSON webhook that both Slack (`text`) and Discord (`content`) accept,
// and e-mail over SMTP through nodemailer. Neither follows redirects or waits long.
import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../../common/config/config.js';

export const WEBHOOK_TIMEOUT_MS = 5000;

export async function postWebhook(url: string, text: string): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'DeployFlow' },
    body: JSON.stringify({ text, content: text }),
    redirect: 'manual',
    signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
  });
  await res.arrayBuffer().catch(() => undefined);
  if (res.status < 200 || res.status >= 300) throw new Error(`webhook answered ${res.status}`);
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
