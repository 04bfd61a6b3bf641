import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SleepHeap } from "../src/time/sleep-heap.js";

/** A sleeper that keeps its ticket as a task keeps it in `blockedOn`. */
class Sleeper {
  ticket: number | null = null;
  constructor(readonly at: number) {}
}

const live = (s: Sleeper, seq: number) => s.ticket === seq;
const byKey = (a: { at: number; seq: number }, b: { at: number; seq: number }) => a.at - b.at || a.seq - b.seq;

describe("SleepHeap", () => {
  it("pops live entries in (at, seq) order after any mix of pushes, pops and drops, skipping dropped ones", () => {
    // Few distinct times, so that many keys tie on `at` and order by `seq`.
    const at = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.double({ min: 0, max: 3, noNaN: true }));
    const op = fc.oneof(
      { weight: 3, arbitrary: fc.record({ kind: fc.constant("push" as const), at }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("pop" as const) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("drop" as const), pick: fc.nat() }) },
      // A dropped sleeper that sleeps again (a killed task sleeping in its `finally`).
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("again" as const), pick: fc.nat(), at }) },
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 30, maxLength: 400 }), (ops) => {
        const heap = new SleepHeap<Sleeper>(live);
        let model: { s: Sleeper; at: number; seq: number }[] = [];
        const dropped: Sleeper[] = [];
        let seq = 0;
        for (const o of ops) {
          if (o.kind === "push" || (o.kind === "again" && dropped.length > 0)) {
            const s = o.kind === "push" ? new Sleeper(o.at) : dropped.splice(o.pick % dropped.length, 1)[0];
            s.ticket = seq;
            heap.push(s, o.at, seq);
            model.push({ s, at: o.at, seq: seq++ });
          } else if (o.kind === "pop") {
            model.sort(byKey);
            expect(heap.peekAt()).toBe(model.length === 0 ? Infinity : model[0].at);
            const top = heap.pop();
            const want = model.shift();
            expect(top).toBe(want?.s);
            if (top !== undefined) top.ticket = null;
          } else if (o.kind === "drop" && model.length > 0) {
            const m = model[o.pick % model.length];
            m.s.ticket = null;
            heap.drop();
            dropped.push(m.s);
            model = model.filter((x) => x !== m);
          }
          expect(heap.size).toBe(model.length);
          for (const m of model) expect(heap.atOf(m.seq)).toBe(m.at);
          const first = [...model].sort(byKey)[0];
          if (first !== undefined) expect([heap.peekAt(), heap.peekSeq()]).toEqual([first.at, first.seq]);
        }
        model.sort(byKey);
        for (const m of model) {
          const top = heap.pop();
          expect(top).toBe(m.s);
          top!.ticket = null;
        }
        expect(heap.pop()).toBeUndefined();
        expect(heap.size).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it("never has a dropped entry on top, so peekAt is the earliest live deadline", () => {
    const heap = new SleepHeap<Sleeper>(live);
    const a = new Sleeper(1);
    const b = new Sleeper(5);
    a.ticket = 0;
    heap.push(a, 1, 0);
    b.ticket = 1;
    heap.push(b, 5, 1);
    a.ticket = null;
    heap.drop();
    expect([heap.peekAt(), heap.size, heap.stored]).toEqual([5, 1, 1]);
  });

  it("rebuilds from the live entries once dropped ones are more than half, so they are not kept", () => {
    const heap = new SleepHeap<Sleeper>(live);
    const all: Sleeper[] = [];
    // Descending deadlines: the dropped (early) ones sit deep in the heap, not on top.
    for (let i = 0; i < 1000; i++) {
      const s = new Sleeper(1000 - i);
      s.ticket = i;
      heap.push(s, s.at, i);
      all.push(s);
    }
    let maxStored = 0;
    for (let i = 0; i < 900; i++) {
      all[i].ticket = null;
      heap.drop();
      expect(heap.stored).toBeLessThanOrEqual(2 * heap.size + 33);
      maxStored = Math.max(maxStored, heap.stored);
    }
    expect(heap.size).toBe(100);
    expect(heap.stored).toBeLessThan(250);
    const out: number[] = [];
    for (let s = heap.pop(); s !== undefined; s = heap.pop()) out.push(s.at);
    expect(out).toEqual(all.slice(900).map((s) => s.at).reverse());
  });

  it("keeps FIFO order for equal deadlines across a rebuild", () => {
    const heap = new SleepHeap<Sleeper>(live);
    const all: Sleeper[] = [];
    for (let i = 0; i < 200; i++) {
      const s = new Sleeper(7);
      s.ticket = i;
      heap.push(s, 7, i);
      all.push(s);
    }
    for (let i = 0; i < 200; i += 3) {
      all[i].ticket = null;
      heap.drop();
    }
    for (let i = 1; i < 200; i += 3) {
      all[i].ticket = null;
      heap.drop();
    }
    const out: Sleeper[] = [];
    for (let s = heap.pop(); s !== undefined; s = heap.pop()) out.push(s);
    expect(out).toEqual(all.filter((_, i) => i % 3 === 2));
  });
});
