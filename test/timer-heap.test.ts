import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TimerHeap } from "../src/time/timer-heap.js";

class Entry {
  index = -1;
  constructor(
    readonly at: number,
    readonly seq: number,
  ) {}
}

const byKey = (a: Entry, b: Entry) => a.at - b.at || a.seq - b.seq;

describe("TimerHeap", () => {
  it("pops in (at, seq) order after any mix of pushes, pops and removals, keeping each entry's index", () => {
    // Few distinct times, so that many keys tie on `at` and order by `seq`.
    const at = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.double({ min: 0, max: 3, noNaN: true }));
    const op = fc.oneof(
      { weight: 3, arbitrary: fc.record({ kind: fc.constant("push" as const), at }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("pop" as const) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }) },
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 30, maxLength: 300 }), (ops) => {
        const heap = new TimerHeap<Entry>();
        let model: Entry[] = [];
        let seq = 0;
        for (const o of ops) {
          if (o.kind === "push") {
            const e = new Entry(o.at, seq++);
            heap.push(e, e.at, e.seq);
            model.push(e);
          } else if (o.kind === "pop") {
            model.sort(byKey);
            expect(heap.peekAt()).toBe(model.length === 0 ? Infinity : model[0].at);
            const top = heap.pop();
            expect(top).toBe(model.shift());
            if (top !== undefined) expect(top.index).toBe(-1);
          } else if (model.length > 0) {
            const e = model[o.pick % model.length];
            expect(heap.remove(e)).toBe(true);
            expect(heap.remove(e)).toBe(false);
            model = model.filter((m) => m !== e);
          }
          expect(heap.size).toBe(model.length);
          for (const m of model) expect(heap.atOf(m)).toBe(m.at);
          const first = [...model].sort(byKey)[0];
          if (first !== undefined) expect([heap.peek(), heap.peekAt(), heap.peekSeq()]).toEqual([first, first.at, first.seq]);
        }
        model.sort(byKey);
        for (const m of model) expect(heap.pop()).toBe(m);
        expect(heap.pop()).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});
