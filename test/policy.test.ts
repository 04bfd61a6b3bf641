import { describe, expect, it } from "vitest";
import { Scheduler, VirtualClock } from "../src/index.js";

describe("scheduling policy", () => {
  it("picks among ready tasks of the highest priority only", () => {
    const order: string[] = [];
    const sched = new Scheduler({ clock: new VirtualClock(), policy: { pick: (count) => count - 1 } });
    for (const name of ["a", "b", "c"]) {
      sched.spawn(function* () {
        order.push(name);
        yield;
        order.push(name);
      });
    }
    sched.spawn(function* () {
      order.push("hi");
    }, { priority: 1 });
    sched.runSync();
    // LIFO: a policy chooses among every ready task, so a task that yields (to the back) is picked
    // again at once; a pass still runs as many slices as were ready when it began.
    expect(order).toEqual(["hi", "c", "c", "b", "b", "a", "a"]);
  });

  it("rejects a policy whose pick is out of range, naming the value", () => {
    const sched = new Scheduler({ clock: new VirtualClock(), policy: { pick: () => 7 } });
    sched.spawn(function* () {});
    expect(() => sched.runSync()).toThrow(/pick\(1\) returned 7 \(number\): return an integer in \[0, 1\)/);
    expect(() => new Scheduler({ policy: {} as never })).toThrow(/policy must have a pick\(count, ready\) method/);
  });
});
