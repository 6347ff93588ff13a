import { DeployFlowError } from '../../../common/errors/catalogue.js';
import { appPatchFields, edgeOf, pickEdge, uniqueIds } from '../shared.js';
import type { App, AppStore } from '../types.js';
import type { AppDoc, Collections } from './collections.js';
import { isDuplicateKey } from './errors.js';

export const toApp = (d: AppDoc): App => ({
  name: d._id,
  ownerId: d.ownerId,
  ownerKind: d.ownerKind ?? 'user',
  collaboratorIds: d.collaboratorIds,
  replicas: d.replicas,
  limits: d.limits,
  healthcheck: d.healthcheck,
  port: d.port,
  domains: d.domains,
  webhookSecret: d.webhookSecret,
  // Documents written before these fields existed read as their defaults.
  volumes: d.volumes ?? [],
  deployBranch: d.deployBranch ?? 'main',
  ...edgeOf(d),
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

// Env vars are read through the env store only; listing apps need not carry them.
const WITHOUT_ENV = { projection: { env: 0 } } as const;

export function mongoApps(c: Collections): AppStore {
  const counterId = (ownerId: string): string => `apps:${ownerId}`;

  /**
   * Takes one unit of the owner's quota, or throws DF_ERR_QUOTA_EXCEEDED. The counter document
   * is created on first use, seeded with the apps the owner already has; after that only a
   * conditional `$inc` moves it, so concurrent creates cannot all see room for one more.
   */
  async function reserveQuota(ownerId: string, max: number): Promise<void> {
    const _id = counterId(ownerId);
    if (!(await c.counters.findOne({ _id }))) {
      const owned = await c.apps.countDocuments({ ownerId });
      try {
        await c.counters.updateOne({ _id }, { $setOnInsert: { count: owned } }, { upsert: true });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err; // another create made it first
      }
    }
    const taken = await c.counters.updateOne({ _id, count: { $lt: max } }, { $inc: { count: 1 } });
    if (taken.matchedCount === 0) {
      throw new DeployFlowError('DF_ERR_QUOTA_EXCEEDED', `You may own at most ${max} apps`, { max });
    }
  }

  const releaseQuota = async (ownerId: string): Promise<void> => {
    await c.counters.updateOne({ _id: counterId(ownerId), count: { $gt: 0 } }, { $inc: { count: -1 } });
  };

  const get = async (name: string): Promise<App | null> => {
    const d = await c.apps.findOne({ _id: name }, WITHOUT_ENV);
    return d ? toApp(d) : null;
  };

  return {
    async create(app, maxPerOwner) {
      await reserveQuota(app.ownerId, maxPerOwner);
      const doc: AppDoc = {
        _id: app.name,
        ownerId: app.ownerId,
        ownerKind: app.ownerKind,
        collaboratorIds: uniqueIds(app.collaboratorIds),
        replicas: app.replicas,
        limits: app.limits,
        healthcheck: app.healthcheck,
        port: app.port,
        domains: app.domains,
        webhookSecret: app.webhookSecret,
        volumes: app.volumes,
        deployBranch: app.deployBranch,
        ...pickEdge(app),
        createdAt: app.createdAt,
        updatedAt: app.updatedAt,
        env: {},
      };
      try {
        await c.apps.insertOne(doc);
      } catch (err) {
        // The reservation was for an app that does not exist: give it back.
        await releaseQuota(app.ownerId);
        if (isDuplicateKey(err)) throw new DeployFlowError('DF_ERR_APP_EXISTS');
        throw err;
      }
      return toApp(doc);
    },
    get,
    async list() {
      return (await c.apps.find({}, WITHOUT_ENV).sort({ _id: 1 }).toArray()).map(toApp);
    },
    async listForUser(userId) {
      const docs = await c.apps
        .find({ $or: [{ ownerId: userId }, { collaboratorIds: userId }] }, WITHOUT_ENV)
        .sort({ _id: 1 })
        .toArray();
      return docs.map(toApp);
    },
    async countOwnedBy(userId) {
      return c.apps.countDocuments({ ownerId: userId });
    },
    async update(name, patch) {
      const d = await c.apps.findOneAndUpdate(
        { _id: name },
        { $set: { ...appPatchFields(patch), updatedAt: Date.now() } },
        { returnDocument: 'after', ...WITHOUT_ENV },
      );
      return d ? toApp(d) : null;
    },
    async transfer(name, to, maxPerOwner) {
      const current = await get(name);
      if (!current) return null;
      if (current.ownerId === to.ownerId && current.ownerKind === to.ownerKind) return current;
      await reserveQuota(to.ownerId, maxPerOwner);
      // Conditional on the owner it had: of two transfers racing, one moves it, the other gives its reservation back.
      const d = await c.apps.findOneAndUpdate(
        { _id: name, ownerId: current.ownerId },
        { $set: { ownerId: to.ownerId, ownerKind: to.ownerKind, updatedAt: Date.now() }, $pull: { collaboratorIds: to.ownerId } },
        { returnDocument: 'after', ...WITHOUT_ENV },
      );
      if (!d) {
        await releaseQuota(to.ownerId);
        return get(name);
      }
      await releaseQuota(current.ownerId);
      return toApp(d);
    },
    async delete(name) {
      // Env vars and collaborators are fields of this document: they go with it, atomically.
      const d = await c.apps.findOneAndDelete({ _id: name }, WITHOUT_ENV);
      if (!d) return false;
      await releaseQuota(d.ownerId);
      // Deployment history goes too, so a later app of the same name cannot read it.
      const ids = await c.deployments.distinct('_id', { app: name });
      await c.deployments.deleteMany({ app: name });
      if (ids.length > 0) await c.logChunks.deleteMany({ deploymentId: { $in: ids } });
      return true;
    },
  };
}
