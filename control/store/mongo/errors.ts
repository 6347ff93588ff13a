// Duplicate keys are how MongoDB reports a lost uniqueness race; these helpers say which one.
import { MongoServerError } from 'mongodb';

const DUPLICATE_KEY = 11000;

export function isDuplicateKey(err: unknown): err is MongoServerError {
  return err instanceof MongoServerError && err.code === DUPLICATE_KEY;
}

/**
 * True when `err` is a duplicate key on `field`. Servers since 4.4 name the fields in
 * `keyPattern`; older ones only in the message ("index: email_unique dup key: ..."), and our
 * index names start with the field they cover.
 */
export function isDuplicateKeyOn(err: unknown, field: string): boolean {
  if (!isDuplicateKey(err)) return false;
  const pattern: unknown = err.keyPattern;
  if (pattern && typeof pattern === 'object') return Object.hasOwn(pattern, field);
  const index = /index: (\S+)/.exec(err.message)?.[1] ?? '';
  return index === field || index.startsWith(`${field}_`);
}
