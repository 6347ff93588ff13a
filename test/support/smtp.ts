// A real SMTP server (smtp-server) on a free loopback port that keeps every mail control sends, so
// a test reads what a user would get in their inbox: who the mail went to and what it says. Plain
// SMTP without TLS or authentication, which is what control speaks to an smtp:// URL. One copy
// here, for every test that needs mail (resets, invitations, notifications).
import { SMTPServer } from 'smtp-server';
import { freePort } from './ports.js';

export interface Mail {
  /** The envelope's recipients, as control addressed them. */
  to: string[];
  /** The message as received: headers, then the body (quoted-printable; see readable()). */
  body: string;
}

export interface TestMailbox {
  /** For DEPLOYFLOW_SMTP_URL. */
  url: string;
  /** Every mail received, oldest first; a test may empty it (`mails.length = 0`). */
  mails: Mail[];
  stop(): Promise<void>;
}

export async function startMailbox(): Promise<TestMailbox> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), body: Buffer.concat(chunks).toString() });
        callback();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A mail's text with quoted-printable's soft line breaks and `=3D` undone, so a link in it reads whole. */
export function readable(body: string): string {
  return body.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
}
