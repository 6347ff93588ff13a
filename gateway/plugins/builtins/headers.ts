// headers at the gateway: set and remove request headers before the app sees them, and response
// headers before the client does.
import type { HeaderList } from '../header-list.js';
import type { GatewayPlugin } from '../types.js';

interface Changes {
  add?: Record<string, string>;
  remove?: string[];
}

function applier(changes: Changes | undefined): ((h: HeaderList) => void) | null {
  if (!changes) return null;
  // Flat arrays walked by index: this runs on every request and response of the route.
  const add = Object.entries(changes.add ?? {}).flat();
  const remove = changes.remove ?? [];
  if (add.length === 0 && remove.length === 0) return null;
  return (h) => {
    for (let i = 0; i < remove.length; i++) h.remove(remove[i]!);
    for (let i = 0; i < add.length; i += 2) h.set(add[i]!, add[i + 1]!);
  };
}

export const headers: GatewayPlugin = {
  name: 'headers',
  create(config) {
    const request = applier(config.request as Changes | undefined);
    const response = applier(config.response as Changes | undefined);
    return {
      ...(request
        ? {
            onRequest: (req) => {
              request(req.headers);
            },
          }
        : {}),
      ...(response
        ? {
            onResponse: (_req, res) => {
              response(res.headers);
            },
          }
        : {}),
    };
  },
};
