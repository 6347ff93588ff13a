import type { UpdateFilter } from 'mongodb';
import { DeployFlowError } from '../../../common/errors/catalogue.js';
import { checkEnvChanges, sortedRecord } from '../shared.js';
import type { EnvStore } from '../types.js';
import type { AppDoc, Collections } from './collections.js';

export function mongoEnv(c: Collections): EnvStore {
  const read = (doc: Pick<AppDoc, 'env'> | null): Record<string, string> => sortedRecord(Object.entries(doc?.env ?? {}));

  return {
    async get(app) {
      return read(await c.apps.findOne({ _id: app }, { projection: { env: 1 } }));
    },
    async apply(app, changes) {
      // Keys are checked first: they become field paths below, where '.' or '$' would mean
      // something else.
      checkEnvChanges(changes);
      const set: Record<string, string> = {};
      const unset: Record<string, ''> = {};
      for (const [key, value] of Object.entries(changes)) {
        if (value === null) unset[`env.${key}`] = '';
        else set[`env.${key}`] = value;
      }
      const update: UpdateFilter<AppDoc> = {};
      if (Object.keys(set).length > 0) update.$set = set;
      if (Object.keys(unset).length > 0) update.$unset = unset;
      // One update of one document: every change lands, or none does.
      const doc =
        Object.keys(update).length > 0
          ? await c.apps.findOneAndUpdate({ _id: app }, update, { returnDocument: 'after', projection: { env: 1 } })
          : await c.apps.findOne({ _id: app }, { projection: { env: 1 } });
      if (!doc) throw new DeployFlowError('DF_ERR_APP_NOT_FOUND');
      return read(doc);
    },
  };
}
