import type { Adapter, AdapterPayload } from 'oidc-provider';

/**
 * The provider's storage: an in-memory adapter per model name, except `Client`, whose `find`
 * reads the upstream's client map. That is what lets `addClient` register or replace a client
 * after the provider started (oidc-provider caches a client by a hash of its metadata, so a
 * replaced entry is seen on the next request).
 */
export function adapterFactory(clients: Map<string, Record<string, unknown>>): (name: string) => Adapter {
  const rows = new Map<string, { payload: AdapterPayload; expiresAt?: number }>();
  const live = (key: string): AdapterPayload | undefined => {
    const row = rows.get(key);
    if (row?.expiresAt !== undefined && row.expiresAt <= Date.now()) {
      rows.delete(key);
      return undefined;
    }
    return row?.payload;
  };
  const findBy = (name: string, field: 'uid' | 'userCode', value: string): AdapterPayload | undefined => {
    for (const [key] of rows) {
      if (!key.startsWith(`${name}:`)) continue;
      const payload = live(key);
      if (payload?.[field] === value) return payload;
    }
    return undefined;
  };

  return (name) => ({
    async upsert(id, payload, expiresIn) {
      rows.set(`${name}:${id}`, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
    },
    async find(id) {
      if (name === 'Client') return clients.get(id) as AdapterPayload | undefined;
      return live(`${name}:${id}`);
    },
    async findByUid(uid) {
      return findBy(name, 'uid', uid);
    },
    async findByUserCode(userCode) {
      return findBy(name, 'userCode', userCode);
    },
    async consume(id) {
      const payload = live(`${name}:${id}`);
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    },
    async destroy(id) {
      rows.delete(`${name}:${id}`);
    },
    async revokeByGrantId(grantId) {
      for (const [key, row] of rows) if (row.payload.grantId === grantId) rows.delete(key);
    },
  });
}
