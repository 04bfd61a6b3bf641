import { describe, expect, it } from "vitest";
import { channel, fork, sleep, wait } from "../src/index.js";
import { DurableEngine, MemoryStore, call, random, type Store } from "../src/durable/index.js";

/** A MemoryStore whose every method answers a host turn later, as a networked store (Redis) does. */
function asyncStore(inner: MemoryStore): Store {
  const later = <T>(f: () => T) =>
    new Promise<T>((resolve, reject) =>
      setTimeout(() => {
        try {
          resolve(f());
        } catch (e) {
          reject(e);
        }
      }, 0),
    );
  return {
    create: (r) => later(() => inner.create(r)),
    get: (id) => later(() => inner.get(id)),
    list: () => later(() => inner.list()),
    recoverable: (ids) => later(() => inner.recoverable(ids)),
    write: (b) => later(() => inner.write(b)),
    compact: (id) => later(() => inner.compact(id)),
    close: () => {},
  };
}

const op = (value: number) => () => new Promise<number>((resolve) => setTimeout(() => resolve(value), 1 + (value % 4)));

/** A root and a forked child, each doing ops and sleeps, talking through a channel. */
function* job(i: number) {
  const ch = channel<number>({ capacity: 8 });
  const kid = yield* fork(function* () {
    for (let k = 0; k < 3; k++) {
      yield* ch.send(yield* call(op(i * 100 + k)));
      yield* sleep(2);
    }
    ch.close();
    return "kid done";
  });
  const log: string[] = [];
  for (let k = 0; k < 3; k++) log.push(`root op ${yield* call(op(i * 100 + 10 + k))}`);
  const got: number[] = [];
  for (;;) {
    const m = yield* ch.receive();
    if (m.done) break;
    got.push(m.value);
  }
  log.push(`got ${got.join(",")}`, `random ${(yield* random()) < 1}`);
  yield* sleep(5);
  log.push(yield* wait(kid));
  return log;
}

describe("durable engine on an asynchronous store", () => {
  it("replays workflows with children to the same interleaving after crashes at random points (one batch in flight at a time)", async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `w${i}`);
    const expected = ids.map((_, i) => [`root op ${i * 100 + 10}`, `root op ${i * 100 + 11}`, `root op ${i * 100 + 12}`, `got ${i * 100},${i * 100 + 1},${i * 100 + 2}`, "random true", "kid done"]);
    for (let round = 0; round < 12; round++) {
      const memory = new MemoryStore();
      for (let crash = 0; ; crash++) {
        const engine = new DurableEngine({ store: asyncStore(memory), workflows: { job } });
        await engine.recover();
        for (let i = 0; i < ids.length; i++) await engine.start("job", [i], { id: ids[i] });
        if (crash < 3) {
          await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 60)));
          await engine.close();
          continue;
        }
        expect(await Promise.all(ids.map((id) => engine.result(id)))).toEqual(expected);
        await engine.close();
        break;
      }
    }
  }, 60_000);
});
