// Request ids: a random per-process prefix and a counter — unique across gateways, and cheaper
// than a UUID per request. Shared by both engines.
import { randomBytes } from 'node:crypto';

const ID_PREFIX = randomBytes(6).toString('hex');
let idSeq = 0;

export const nextRequestId = (): string => `${ID_PREFIX}-${(++idSeq).toString(36)}`;
