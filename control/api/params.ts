// The schemas of path params that many routes share. A route declares its params with them
// (`params: z.strictObject({ id: RecordId })`); the router parses them like a body, and the
// OpenAPI document shows each one typed and described.
import { z } from 'zod';
import { parseAppName } from '../../common/names/validate.js';

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
  .min(1)
  .max(63)
  .transform((name) => parseAppName(name))
  .describe('The app name');
