// The schemas of path params that many routes share. A route declares its params with them
// (`params: z.strictObject({ id: RecordId })`); the router parses them like a body, and the
// OpenAPI document shows each one typed and described.
import { z } from 'zod';
import { parseAppName, parseDomain, parseEnvKey } from '../../common/names/validate.js';

/** The id of a stored record (user, team, token, key, invitation, deployment): what the store makes, a UUID. */
export const RecordId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9-]+$/, 'not an id')
  .describe('The id the API returned for it');

/**
 * An app's name, checked by the one validator: a bad or reserved name is refused with its own
 * error (DF_ERR_INVALID_APP_NAME, DF_ERR_RESERVED_NAME), as everywhere else a name comes in.
 */
export const AppNameParam = z
  .string()
  .transform((name) => parseAppName(name))
  .describe('The app name: 2–63 of a-z, 0-9 and -, starting with a letter');

/** A domain name, checked by the one validator (its DF_ERR_INVALID_DOMAIN otherwise). */
export const DomainParam = z
  .string()
  .transform((domain) => parseDomain(domain))
  .describe('The domain name');

/** An env var name, checked by the one validator (its DF_ERR_INVALID_ENV_KEY otherwise). */
export const EnvKeyParam = z
  .string()
  .transform((key) => parseEnvKey(key))
  .describe('The env var name');
