import { describe, expect, it } from "vitest";
import { Scheduler, Syscall, VirtualClock, call, fork, getTid, kill, sleep, submitIO, wait, type SyscallContext } from "../src/index.js";
import { virtualScheduler } from "./helpers.js";

describe("Order (API.md)", () => {
  it("1: tids are integers from 1 upward per scheduler, in spawn/fork order", () => {
    const { sched } = virtualScheduler();
    const tids: number[] = [];
    const a = sched.spawn(function* () {
      tids.push(yield* fork(function* () {}));
      tids.push(yield* fork(function* () {}));
    });
    const b = sched.spawn(function* () {});
    sched.runSync();
    expect([a.tid, b.tid, ...tids]).toEqual([1, 2, 3, 4]);
    expect(new Scheduler().spawn(function* () {}).tid).toBe(1);
  });

  it("2: the ready queue is FIFO within a priority, higher priority first, children inherit", () => {
    const { sched } = virtualScheduler();
    const order: string[] = [];
    const body = (label: string) =>
      function* () {
        order.push(label);
        yield;
        order.push(label);
      };
    sched.spawn(body("low-a"), { priority: -1 });
    sched.spawn(body("mid-a"));
    sched.spawn(function* () {
      order.push("high");
      yield* fork(body("high-kid"));
    }, { priority: 5 });
    sched.spawn(body("mid-b"));
    sched.runSync();
    expect(order).toEqual(["high", "high-kid", "high-kid", "mid-a", "mid-b", "mid-a", "mid-b", "low-a", "low-a"]);
  });

  it("3: every yield is a switch point; after Fork the child is queued before the parent", () => {
    const { sched } = virtualScheduler();
    const order: string[] = [];
    sched.spawn(function* a() {
      order.push("a1");
      yield* getTid();
      order.push("a2");
      yield* fork(function* kid() {
        order.push("kid");
      });
      order.push("a3");
    });
    sched.spawn(function* b() {
      order.push("b1");
      yield;
      order.push("b2");
      yield* kill(99);
      order.push("b3");
    });
    sched.runSync();
    expect(order).toEqual(["a1", "b1", "a2", "b2", "kid", "a3", "b3"]);
  });

  it("3: three tasks with three bare yields interleave 012012012", () => {
    const { sched } = virtualScheduler();
    const order: number[] = [];
    for (let i = 0; i < 3; i++) {
      sched.spawn(function* () {
        for (let j = 0; j < 3; j++) {
          order.push(i);
          yield;
        }
      });
    }
    sched.runSync();
    expect(order.join("")).toBe("012012012");
  });

  it("4: sleepers wake in deadline order; equal deadlines in the order Sleep was called", async () => {
    const { sched } = virtualScheduler();
    const woke: string[] = [];
    for (const [name, ms] of [["a", 20], ["b", 10], ["c", 20], ["d", 10], ["e", 0]] as const) {
      sched.spawn(function* () {
        yield* sleep(ms);
        woke.push(`${name}@${sched.now()}`);
      });
    }
    await sched.run();
    expect(woke).toEqual(["e@0", "b@10", "d@10", "a@20", "c@20"]);
  });

  it("5: waiters on a task wake in the order they began waiting", () => {
    const { sched } = virtualScheduler();
    const woke: string[] = [];
    const target = sched.spawn(function* () {
      yield* sleep(5);
      return "x";
    });
    for (const name of ["w1", "w2", "w3"]) {
      sched.spawn(function* () {
        woke.push(`${name}:${yield* wait(target.tid)}`);
      });
    }
    sched.runSync();
    expect(woke).toEqual(["w1:x", "w2:x", "w3:x"]);
  });

  it("6: I/O completions resume their tasks in completion order", async () => {
    const { sched, clock } = virtualScheduler();
    const order: string[] = [];
    const resolvers: (() => void)[] = [];
    for (const name of ["a", "b", "c"]) {
      sched.spawn(function* () {
        yield* call(() => new Promise<void>((r) => resolvers.push(r)));
        order.push(name);
      });
    }
    const done = sched.run();
    await new Promise((r) => setTimeout(r, 1));
    resolvers[2]();
    await new Promise((r) => setTimeout(r, 1));
    resolvers[0]();
    resolvers[1]();
    await done;
    expect(order).toEqual(["c", "a", "b"]);
    expect(clock.now()).toBe(0);
  });

  it("7: a virtual clock stands still while tasks are ready or external work is pending, then jumps", async () => {
    const clock = new VirtualClock();
    const sched = new Scheduler({ clock });
    const seen: string[] = [];
    class External extends Syscall<string> {
      override handle(ctx: SyscallContext<string>): void {
        setTimeout(() => ctx.resume("ext"), 5);
      }
    }
    sched.spawn(function* () {
      for (let i = 0; i < 3; i++) yield;
      seen.push(`busy@${sched.now()}`);
      seen.push(`${yield* new External()}@${sched.now()}`);
      yield* sleep(1000);
      seen.push(`slept@${sched.now()}`);
      yield* submitIO({ type: "timeout", ms: 500 });
      seen.push(`timeout-op@${sched.now()}`);
    });
    sched.spawn(function* () {
      yield* sleep(1);
      seen.push(`short@${sched.now()}`);
    });
    await sched.run();
    expect(seen).toEqual(["busy@0", "ext@0", "short@1", "slept@1000", "timeout-op@1500"]);
  });

  it("7: the same program gives the same event sequence on every run", async () => {
    async function once(): Promise<string[]> {
      const { sched } = virtualScheduler();
      const events: string[] = [];
      sched.on("spawn", (tid) => events.push(`spawn ${tid}@${sched.now()}`));
      sched.on("exit", (tid, e) => events.push(`exit ${tid} ${e.status}@${sched.now()}`));
      sched.on("syscall", (tid, s) => events.push(`${tid} ${s.constructor.name}@${sched.now()}`));
      for (let i = 0; i < 5; i++) {
        sched.spawn(function* () {
          const kid = yield* fork(function* () {
            yield* sleep((i * 7) % 5);
            return i;
          });
          yield* submitIO({ type: "timeout", ms: i * 3 });
          yield* wait(kid);
        });
      }
      await sched.run();
      return events;
    }
    const first = await once();
    expect(first.length).toBe(40);
    expect(await once()).toEqual(first);
  });
});
