/**
 * A LeasedStore in memory for in-process tests of workflow workers: `new SharedMemory()` holds the
 * data and the leases; each engine (worker) gets its own `view()`, which remembers the leases it
 * holds, as separate RedisStore clients would. Writes for workflows whose lease was since taken
 * by a later token are refused with LeaseLostError (the rest of the batch is written).
 */
import { LeaseLostError, MemoryStore, type Batch, type LeasedStore } from "../src/durable/index.js";

export class SharedMemory {
  readonly data = new MemoryStore();
  readonly leases = new Map<string, { owner: string; token: number; expires: number }>();
  #tokens = 0;
  /** Every accepted journal append: workflow id and the token it was made under. */
  readonly writes: { id: string; token: number }[] = [];

  view(): LeasedStore & { journal(id: string): ReturnType<MemoryStore["journal"]> } {
    const shared = this;
    const held = new Map<string, number>();
    const data = this.data;
    return {
      create: (r) => data.create(r),
      get: (id) => data.get(id),
      list: () => data.list(),
      recoverable: (ids) => data.recoverable(ids),
      inbox: (id) => data.recoverable([id])[0]?.inbox ?? [],
      compact: (id) => data.compact(id),
      journal: (id) => data.journal(id),
      close: () => undefined,
      acquire(id, owner, ttl) {
        const now = Date.now();
        const lease = shared.leases.get(id);
        if (lease !== undefined && lease.expires > now && lease.owner !== owner) return null;
        const token = ++shared.#tokens;
        shared.leases.set(id, { owner, token, expires: now + ttl });
        held.set(id, token);
        return token;
      },
      renew(id, ttl) {
        const lease = shared.leases.get(id);
        if (lease === undefined || lease.token !== held.get(id)) return false;
        lease.expires = Date.now() + ttl;
        return true;
      },
      release(id) {
        const lease = shared.leases.get(id);
        if (lease !== undefined && lease.token === held.get(id)) shared.leases.delete(id);
        held.delete(id);
      },
      write(batch: Batch) {
        const fenced = (id: string): boolean => {
          const lease = shared.leases.get(id);
          const mine = held.get(id);
          return mine === undefined || (lease !== undefined && lease.token > mine);
        };
        const refused = new Set<string>();
        for (const { id } of [...batch.entries, ...batch.finished, ...batch.inboxTaken]) if (fenced(id)) refused.add(id);
        const keep = <T extends { id: string }>(list: T[]): T[] => list.filter((x) => !refused.has(x.id));
        data.write({ entries: keep(batch.entries), finished: keep(batch.finished), inbox: batch.inbox, inboxTaken: keep(batch.inboxTaken) });
        for (const { id } of keep(batch.entries)) shared.writes.push({ id, token: held.get(id)! });
        if (refused.size > 0) throw new LeaseLostError([...refused]);
      },
    };
  }
}
