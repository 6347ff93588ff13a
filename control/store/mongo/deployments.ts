import { ObjectId } from 'mongodb';
import { DeployFlowError } from '../../../common/errors/catalogue.js';
import { checkLimit } from '../shared.js';
import type { Deployment, DeploymentStore } from '../types.js';
import type { Collections, DeploymentDoc } from './collections.js';
import { isDuplicateKey } from './errors.js';

const toDeployment = (d: DeploymentDoc): Deployment => ({
  id: d._id,
  app: d.app,
  status: d.status,
  commit: d.commit,
  ref: d.ref,
  image: d.image,
  source: d.source,
  createdBy: d.createdBy,
  createdAt: d.createdAt,
  finishedAt: d.finishedAt,
  error: d.error,
  errorCode: d.errorCode ?? null,
});

export function mongoDeployments(c: Collections): DeploymentStore {
  const get = async (id: string): Promise<Deployment | null> => {
    const d = await c.deployments.findOne({ _id: id });
    return d ? toDeployment(d) : null;
  };

  return {
    async create(d) {
      const doc: DeploymentDoc = {
        _id: d.id,
        app: d.app,
        status: d.status,
        commit: d.commit,
        ref: d.ref,
        image: d.image,
        source: d.source,
        createdBy: d.createdBy,
        createdAt: d.createdAt,
        finishedAt: d.finishedAt,
        error: d.error,
        errorCode: d.errorCode,
        ord: new ObjectId(),
        logSeq: 0,
      };
      try {
        await c.deployments.insertOne(doc);
      } catch (err) {
        if (isDuplicateKey(err)) throw new DeployFlowError('DF_ERR_CONFLICT', 'A deployment with that id already exists');
        throw err;
      }
      return toDeployment(doc);
    },
    get,
    async listByApp(app, limit) {
      const max = checkLimit(limit);
      // limit(0) is the driver's "no limit", so an explicit 0 is answered here.
      if (max === 0) return [];
      const docs = await c.deployments
        .find({ app })
        .sort({ createdAt: -1, ord: -1 })
        .limit(max ?? 0)
        .toArray();
      return docs.map(toDeployment);
    },
    async update(id, patch) {
      const set: Partial<DeploymentDoc> = {};
      if (patch.status !== undefined) set.status = patch.status;
      if (patch.image !== undefined) set.image = patch.image;
      if (patch.commit !== undefined) set.commit = patch.commit;
      if (patch.finishedAt !== undefined) set.finishedAt = patch.finishedAt;
      if (patch.error !== undefined) set.error = patch.error;
      if (patch.errorCode !== undefined) set.errorCode = patch.errorCode;
      if (Object.keys(set).length === 0) return get(id);
      const d = await c.deployments.findOneAndUpdate({ _id: id }, { $set: set }, { returnDocument: 'after' });
      return d ? toDeployment(d) : null;
    },
    async appendLog(id, text) {
      // The sequence number comes from an atomic $inc on the deployment, so chunks keep the
      // order in which appends reached the server, whichever process sent them.
      const d = await c.deployments.findOneAndUpdate(
        { _id: id },
        { $inc: { logSeq: 1 } },
        { returnDocument: 'after', projection: { logSeq: 1 } },
      );
      if (!d) throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No such deployment', { id });
      await c.logChunks.insertOne({ deploymentId: id, seq: d.logSeq, text });
    },
    async getLog(id) {
      const chunks = await c.logChunks
        .find({ deploymentId: id }, { projection: { text: 1 } })
        .sort({ seq: 1 })
        .toArray();
      return chunks.map((chunk) => chunk.text).join('');
    },
  };
}
