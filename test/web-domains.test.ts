// The Domains tab in Chromium with ownership verification on: a developer adds a custom domain, the
// tab shows it pending with the TXT record to create, Verify is refused while the record is missing
// (the reason shown, nothing routed), and once the test's own DNS server on loopback (standing in
// for the domain's DNS) answers the record, Verify routes the domain and the pending card goes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import dns2 from 'dns2';
import { ensureDashboardBuilt, launchBrowser } from './support/chromium.js';
import { registerUser, startTestControl, type TestControl } from './support/control.js';
import { freePort } from './support/ports.js';

const { Packet } = dns2;
const APP = 'shop';
const DOMAIN = 'www.shop.example';

describe('the Domains tab with ownership verification', () => {
  const txt = new Map<string, string>();
  let server: ReturnType<typeof dns2.createServer>;
  let control: TestControl;
  let dev: Awaited<ReturnType<typeof registerUser>>;

  before(async () => {
    const port = await freePort();
    server = dns2.createServer({
      udp: true,
      handle: (request, send) => {
        const response = Packet.createResponseFromRequest(request);
        const q = request.questions[0];
        const value = q ? txt.get(q.name.toLowerCase()) : undefined;
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
    control = await startTestControl({
      DEPLOYFLOW_DOMAIN: 'paas.test',
      DEPLOYFLOW_DOMAIN_VERIFICATION: 'on',
      DEPLOYFLOW_DOMAIN_RESOLVER: `127.0.0.1:${port}`,
    });
    await registerUser(control.url); // the first account is the admin, who skips the check
    dev = await registerUser(control.url);
    assert.equal((await dev.post('/api/v1/apps', { name: APP })).status, 201);
  });
  after(async () => {
    await control?.stop();
    await server?.close();
  });

  it('shows a new domain pending with its TXT record, refuses Verify without it, routes it with it', async () => {
    await ensureDashboardBuilt();
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      await page.goto(control.url);
      await page.getByLabel('Email').fill(dev.email);
      await page.getByLabel('Password').fill('correct horse battery');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('heading', { name: 'Apps' }).waitFor();
      await page.goto(`${control.url}/apps/${APP}/domains`);

      const form = page.getByRole('form', { name: 'Add a domain' });
      await form.getByLabel('Domain').fill(DOMAIN);
      await form.getByRole('button', { name: 'Add' }).click();
      const card = page.getByLabel('Pending domains');
      await card.getByText('Waiting for proof of ownership').waitFor();
      const [claim] = (await dev.get(`/api/v1/apps/${APP}/domains/pending`)).body as Array<{ record: { name: string; value: string } }>;
      assert.ok(claim, 'the API has the pending domain');
      await card.getByText(claim.record.name, { exact: true }).waitFor();
      await card.getByText(claim.record.value, { exact: true }).waitFor();

      await card.getByRole('button', { name: 'Verify' }).click();
      await page
        .getByRole('alert')
        .getByText(/TXT record/)
        .waitFor();
      assert.deepEqual((await dev.get(`/api/v1/apps/${APP}`)).body.domains, [], 'nothing routed without the record');

      txt.set(claim.record.name, claim.record.value);
      await card.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('button', { name: `Remove ${DOMAIN}` }).waitFor();
      await card.waitFor({ state: 'detached' });
      assert.deepEqual((await dev.get(`/api/v1/apps/${APP}`)).body.domains, [DOMAIN]);
    } finally {
      await browser.close();
    }
  });
});
