import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Invitation } from '../store/types.js';
import { invitationView, inviteLink, isPending } from './invitations.js';

const base: Invitation = {
  id: 'i1',
  tokenHash: 'secret-hash',
  email: 'ana@example.test',
  role: null,
  app: 'shop',
  invitedBy: 'u1',
  createdAt: 1000,
  expiresAt: 2000,
  acceptedAt: null,
  revokedAt: null,
};

describe('invitations', () => {
  it('builds the link from the public URL with the token in the fragment, never in the path or query', () => {
    const link = new URL(inviteLink('https://deploy.example.test/', 'dfi_a+b/c'));
    assert.equal(link.origin + link.pathname, 'https://deploy.example.test/invite');
    assert.equal(link.search, '');
    assert.equal(new URLSearchParams(link.hash.slice(1)).get('token'), 'dfi_a+b/c');
  });

  it('is pending until accepted, revoked or the moment it expires', () => {
    assert.equal(isPending(base, 1999), true);
    assert.equal(isPending(base, 2000), false);
    assert.equal(isPending({ ...base, acceptedAt: 1500 }, 1600), false);
    assert.equal(isPending({ ...base, revokedAt: 1500 }, 1600), false);
  });

  it('never shows the token hash', () => {
    assert.ok(!JSON.stringify(invitationView(base)).includes('secret-hash'));
  });
});
