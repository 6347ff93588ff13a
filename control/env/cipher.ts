// Env values at rest: AES-256-GCM under a key used for nothing else. The app and key name are
// bound in as associated data, so a ciphertext copied to another app or variable does not
// decrypt. A value that fails to decrypt is an error — never returned raw, never skipped.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DeployFlowError } from '../../common/errors/catalogue.js';

const VERSION = 'v1';
// GCM tags are 16 bytes as written by encrypt(). Without this fixed, decryption accepts a tag
// cut down to 4 bytes, which a forger can guess in 2^32 tries instead of 2^128.
const TAG_BYTES = 16;

export class EnvCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the env encryption key must be 32 bytes');
  }

  encrypt(app: string, name: string, value: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(`${app}\0${name}`));
    const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
  }

  decrypt(app: string, name: string, stored: string): string {
    const [version, iv, tag, body] = stored.split(':');
    try {
      if (version !== VERSION || !iv || !tag || body === undefined) throw new Error('unknown format');
      const authTag = Buffer.from(tag, 'base64');
      if (authTag.length !== TAG_BYTES) throw new Error('the authentication tag is not 16 bytes');
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(`${app}\0${name}`));
      decipher.setAuthTag(authTag);
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new DeployFlowError('DF_ERR_DECRYPT_FAILED', `The value of ${name} could not be decrypted; check DEPLOYFLOW_ENCRYPTION_KEY`);
    }
  }

  decryptAll(app: string, stored: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(stored).map(([k, v]) => [k, this.decrypt(app, k, v)]));
  }
}
