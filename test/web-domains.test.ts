// The Domains tab in Chromium with ownership verification on: a developer adds a custom domain, the
// tab shows it pending with the TXT record to create, Verify is refused while the record is missing
// (the reason shown, nothing routed), and once the test's own DNS server on loopback (standing in
// for the domain's DNS) answers the record, Verify routes the domain and the pending card goes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ensureDashboardBuilt, launchBrowser } from './support/chromium.js';
import { registerUser, startTestControl, type TestControl } from './support/control.js';
import { startTxtDns, type TxtDns } from './support/txt-dns.js';

const APP = 'shop';
const DOMAIN = 'www.shop.example';

describe('the Domains tab with ownership verification', () => {
  let dns: TxtDns;
  let control: TestControl;
  let dev: Awaited<ReturnType<typeof registerUser>>;

  before(async () => {
    dns = await startTxtDns();
    control = await startTestControl({
      DEPLOYFLOW_DOMAIN: 'paas.test',
      DEPLOYFLOW_DOMAIN_VERIFICATION: 'on',
      DEPLOYFLOW_DOMAIN_RESOLVER: dns.resolver,
    });
    await registerUser(control.url); // the first account is the admin, who skips the check
    dev = await registerUser(control.url);
    assert.equal((await dev.post('/api/v1/apps', { name: APP })).status, 201);
  });
  after(async () => {
    await control?.stop();
    await dns?.close();
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

      dns.records.set(claim.record.name, claim.record.value);
      await card.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('button', { name: `Remove ${DOMAIN}` }).waitFor();
      await card.waitFor({ state: 'detached' });
      assert.deepEqual((await dev.get(`/api/v1/apps/${APP}`)).body.domains, [DOMAIN]);
    } finally {
      await browser.close();
    }
  });
});
