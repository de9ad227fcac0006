type Payload = Record<string, unknown> & { grantId?: string; userCode?: string; uid?: string; consumed?: number };

interface Entry {
  payload: Payload;
  expiresAt: number;
}

export interface MemoryStorage {
  entries: Map<string, Entry>;
}

export function createMemoryStorage(): MemoryStorage {
  return { entries: new Map() };
}

export function createAdapterClass(storage: MemoryStorage) {
  const { entries } = storage;

  function read(key: string): Payload | undefined {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  return class MemoryAdapter {
    readonly model: string;

    constructor(model: string) {
      this.model = model;
    }

    key(id: string): string {
      return `${this.model}:${id}`;
    }

    async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
      const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY;
      const stored = structuredClone(payload);
      // A registered client's `scope` would pin it to the scopes it registered with (oidc-provider refuses
      // anything else with invalid_scope), so step-up to a wider scope could never complete. This
      // development server lets every dynamically registered client ask for any scope it supports.
      if (this.model === 'Client') delete stored['scope'];
      entries.set(this.key(id), { payload: stored, expiresAt });
      if (payload.grantId) {
        const grantKey = `grant:${payload.grantId}`;
        const members = (read(grantKey)?.members as string[] | undefined) ?? [];
        members.push(this.key(id));
        entries.set(grantKey, { payload: { members }, expiresAt: Number.POSITIVE_INFINITY });
      }
      if (payload.userCode) {
        entries.set(`userCode:${payload.userCode}`, { payload: { id }, expiresAt });
      }
      if (payload.uid) {
        entries.set(`uid:${payload.uid}`, { payload: { id }, expiresAt });
      }
    }

    async find(id: string): Promise<Payload | undefined> {
      const payload = read(this.key(id));
      return payload ? structuredClone(payload) : undefined;
    }

    async findByUserCode(userCode: string): Promise<Payload | undefined> {
      const ref = read(`userCode:${userCode}`);
      return typeof ref?.id === 'string' ? this.find(ref.id) : undefined;
    }

    async findByUid(uid: string): Promise<Payload | undefined> {
      const ref = read(`uid:${uid}`);
      return typeof ref?.id === 'string' ? this.find(ref.id) : undefined;
    }

    async consume(id: string): Promise<void> {
      const payload = read(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      entries.delete(this.key(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      const grantKey = `grant:${grantId}`;
      const members = (read(grantKey)?.members as string[] | undefined) ?? [];
      for (const key of members) entries.delete(key);
      entries.delete(grantKey);
    }
  };
}
