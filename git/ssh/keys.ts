// Public keys as users register them ("ssh-ed25519 AAAA… comment") compared with what an SSH
// client presents (algorithm + wire blob). control/ can use these to store and match keys.
import { timingSafeEqual } from 'node:crypto';
import ssh2 from 'ssh2';

export interface PublicKeyBlob {
  type: string;
  data: Buffer;
}

/** Parses an OpenSSH public key line; null for private keys, garbage or unsupported types. */
export function parsePublicKey(text: string): PublicKeyBlob | null {
  if (text.length > 16_384) return null;
  const parsed = ssh2.utils.parseKey(text.trim());
  // A private-key file with several keys parses to an array at runtime, whatever the types say.
  if (parsed instanceof Error || Array.isArray(parsed) || parsed.isPrivateKey()) return null;
  return { type: parsed.type, data: parsed.getPublicSSH() };
}

export function sameKey(a: PublicKeyBlob, b: PublicKeyBlob): boolean {
  return a.type === b.type && a.data.length === b.data.length && timingSafeEqual(a.data, b.data);
}

/** True when `openSshText` is the key the client presented. */
export function matchesPublicKey(openSshText: string, keyType: string, keyData: Buffer): boolean {
  const stored = parsePublicKey(openSshText);
  return stored !== null && sameKey(stored, { type: keyType, data: keyData });
}
