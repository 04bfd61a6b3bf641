import { describe, expect, it } from "vitest";
import {
  DeadlockError,
  GetTid,
  NoSuchTaskError,
  Scheduler,
  Syscall,
  TaskKilledError,
  TimeoutError,
  fork,
  getTid,
  kill,
  sleep,
  wait,
  type SyscallContext,
  type TaskHandle,
} from "../src/index.js";
import { recorder, virtualScheduler } from "./helpers.js";

describe("Scheduler", () => {
  it("runs the API.md example and resolves done with the result", async () => {
    function* child(n: number) {
      yield* sleep(100);
      return n * 2;
    }
    function* main() {
      const me = yield* getTid();
      const kid = yield* fork(child(21));
      const answer = yield* wait(kid);
      return `${me}:${answer}`;
    }
    const { sched } = virtualScheduler();
    const task = sched.spawn(main);
    await sched.run();
    expect(await task.done).toBe("1:42");
    expect(task.status).toBe("exited");
    expect(sched.now()).toBe(100);
  });

  it("accepts the PyOS form yield new GetTid()", () => {
    const { sched } = virtualScheduler();
    const t = sched.spawn(function* () {
      return yield new GetTid();
    });
    sched.runSync();
    return expect(t.done).resolves.toBe(1);
  });

  it("resolves run() at once when there are no tasks, and may run again after more spawns", async () => {
    const { sched } = virtualScheduler();
    await sched.run();
    const t = sched.spawn(function* () {
      return 5;
    });
    await sched.run();
    expect(await t.done).toBe(5);
  });

  it("names tasks after their generator function unless given a name", () => {
    const { sched } = virtualScheduler();
    function* worker() {}
    expect(sched.spawn(worker).name).toBe("worker");
    expect(sched.spawn(worker(), { name: "w2" }).name).toBe("w2");
    expect(sched.spawn(worker()).name).toBe("task");
  });

  it("reports live tasks in ps() with parent, status, priority and timing", () => {
    const { sched } = virtualScheduler();
    sched.spawn(
      function* parent() {
        yield* fork(function* kid() {
          yield* sleep(50);
        });
        yield* sleep(10);
      },
      { priority: 2 },
    );
    expect(sched.ps().map((p) => [p.tid, p.status])).toEqual([[1, "ready"]]);
    const seen: unknown[] = [];
    sched.on("syscall", () => {
      if (sched.ps().length === 2) seen.push(sched.ps().map((p) => ({ tid: p.tid, parent: p.parent, priority: p.priority, name: p.name })));
    });
    sched.runSync();
    expect(seen[0]).toEqual([
      { tid: 1, parent: null, priority: 2, name: "parent" },
      { tid: 2, parent: 1, priority: 2, name: "kid" },
    ]);
    expect(sched.ps()).toEqual([]);
  });

  it("keeps AIOS-style timing: created, started, ended, queued, switches", () => {
    const { sched, clock } = virtualScheduler();
    const infos: ReturnType<Scheduler["ps"]> = [];
    sched.spawn(function* () {
      yield* sleep(30);
      yield;
      infos.push(...sched.ps());
    });
    clock.advance(5);
    sched.runSync();
    expect(infos[0]).toMatchObject({ created: 0, started: 5, ended: null, switches: 3, status: "running" });
    expect(infos[0].timeQueued).toBe(5);
  });

  it("counts time paused or blocked as neither queued nor running", () => {
    const { sched, clock } = virtualScheduler();
    const infos: ReturnType<Scheduler["ps"]> = [];
    const t = sched.spawn(function* () {
      yield* sleep(10);
      infos.push(...sched.ps());
    });
    sched.pause(t.tid);
    clock.advance(7);
    sched.resume(t.tid);
    clock.advance(2);
    sched.runSync();
    expect(infos[0]).toMatchObject({ created: 0, started: 9, switches: 2, timeRunning: 0 });
    expect(infos[0].timeQueued).toBe(2);
  });

  it("emits spawn and exit once per task with its tid", () => {
    const { sched } = virtualScheduler();
    const spawned: number[] = [];
    const exited: [number, string][] = [];
    sched.on("spawn", (tid) => spawned.push(tid));
    sched.on("exit", (tid, e) => exited.push([tid, e.status]));
    sched.spawn(function* () {
      const k = yield* fork(function* () {
        throw new Error("x");
      });
      try {
        yield* wait(k);
      } catch {
        // observed
      }
    });
    sched.runSync();
    expect(spawned).toEqual([1, 2]);
    expect(exited).toEqual([
      [2, "failed"],
      [1, "exited"],
    ]);
  });

  it("refuses run() and runSync() while running", async () => {
    const sched = new Scheduler();
    sched.spawn(function* () {
      yield* sleep(10);
    });
    const p = sched.run();
    expect(() => sched.run()).toThrow(/already running/);
    expect(() => sched.runSync()).toThrow(/already running/);
    await p;
  });

  it("refuses runSync() when finishing needs real time", () => {
    const sched = new Scheduler();
    sched.spawn(function* sleeper() {
      yield* sleep(5);
    });
    expect(() => sched.runSync()).toThrow(/cannot finish.*#1 "sleeper" \(sleep until/);
  });

  it("gives the host event loop a turn while busy", async () => {
    const sched = new Scheduler({ hostTurnMs: 1 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    sched.spawn(function* () {
      const end = performance.now() + 40;
      while (performance.now() < end) yield;
    });
    await sched.run();
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(3);
  });

  it("gives the host a turn at most 64 slices after a long slice, with no timer queued", async () => {
    // Passes read the clock only when something needs it; the slice sample still comes every 64 slices.
    const sched = new Scheduler({ hostTurnMs: 1 });
    let turned = false;
    let slicesAfter = -1;
    sched.spawn(function* () {
      setImmediate(() => (turned = true));
      const end = performance.now() + 5;
      while (performance.now() < end);
      while (!turned) {
        slicesAfter++;
        yield;
      }
    });
    await sched.run();
    expect(slicesAfter).toBeGreaterThanOrEqual(0);
    expect(slicesAfter).toBeLessThanOrEqual(64);
  });

  it("sleeps on the real clock with one host timer for many sleepers", async () => {
    const sched = new Scheduler();
    const order: number[] = [];
    for (const ms of [30, 10, 20]) {
      sched.spawn(function* () {
        yield* sleep(ms);
        order.push(ms);
      });
    }
    const start = performance.now();
    await sched.run();
    expect(order).toEqual([10, 20, 30]);
    expect(performance.now() - start).toBeGreaterThanOrEqual(29);
  });
});

describe("custom syscalls", () => {
  class Double extends Syscall<number> {
    constructor(readonly n: number) {
      super();
    }
    override handle(ctx: SyscallContext<number>): void {
      ctx.resume(this.n * 2);
    }
  }

  it("resume a task with a typed value, at once or later from a callback", async () => {
    class Later extends Syscall<string> {
      override handle(ctx: SyscallContext<string>): void {
        setTimeout(() => ctx.resume(`tid ${ctx.task.tid}`), 5);
      }
    }
    const sched = new Scheduler();
    const t = sched.spawn(function* () {
      const d = yield* new Double(21);
      const s = yield* new Later();
      return `${d} ${s}`;
    });
    await sched.run();
    expect(await t.done).toBe("42 tid 1");
  });

  it("throw the handle's synchronous error, or ctx.fail's error, into the task", () => {
    class Throws extends Syscall<void> {
      override handle(): void {
        throw new Error("bad handle");
      }
    }
    class Fails extends Syscall<void> {
      override handle(ctx: SyscallContext<void>): void {
        ctx.fail(new Error("failed"));
      }
    }
    const { sched } = virtualScheduler();
    const t = sched.spawn(function* () {
      const caught: string[] = [];
      for (const s of [new Throws(), new Fails()]) {
        try {
          yield* s;
        } catch (e) {
          caught.push((e as Error).message);
        }
      }
      return caught;
    });
    sched.runSync();
    return expect(t.done).resolves.toEqual(["bad handle", "failed"]);
  });

  it("throw when resumed twice, naming the syscall and the task", () => {
    let second: unknown;
    class Twice extends Syscall<number> {
      override handle(ctx: SyscallContext<number>): void {
        ctx.resume(1);
        try {
          ctx.resume(2);
        } catch (e) {
          second = e;
        }
      }
    }
    const { sched } = virtualScheduler();
    const t = sched.spawn(function* named() {
      return yield* new Twice();
    });
    sched.runSync();
    expect(String(second)).toMatch(/Twice of task #1 "named" was already completed/);
    return expect(t.done).resolves.toBe(1);
  });

  it("let the virtual clock jump while they wait on ctx.after", async () => {
    class Delay extends Syscall<string> {
      override handle(ctx: SyscallContext<string>): void {
        ctx.after(1000, () => ctx.resume("late"));
      }
    }
    const { sched } = virtualScheduler();
    const t = sched.spawn(function* () {
      return yield* new Delay();
    });
    await sched.run();
    expect(await t.done).toBe("late");
    expect(sched.now()).toBe(1000);
  });

  it("abort ctx.signal when the task is killed, and ignore a later resume", async () => {
    let ctxRef: SyscallContext<number> | undefined;
    class Hang extends Syscall<number> {
      override handle(ctx: SyscallContext<number>): void {
        ctxRef = ctx;
      }
    }
    const { sched } = virtualScheduler();
    const t = sched.spawn(function* () {
      return yield* new Hang();
    });
    sched.spawn(function* () {
      yield;
      yield* kill(1);
    });
    await sched.run();
    expect(ctxRef!.signal.aborted).toBe(true);
    expect(() => ctxRef!.resume(3)).not.toThrow();
    await expect(t.done).rejects.toBeInstanceOf(TaskKilledError);
  });
});

describe("Ending tasks", () => {
  it("kill runs finally blocks, driving the syscalls they yield", async () => {
    const { sched } = virtualScheduler();
    const { log, lines } = recorder(sched);
    const t = sched.spawn(function* victim() {
      try {
        yield* sleep(1000);
      } finally {
        log("cleanup start");
        yield* sleep(5);
        log("cleanup done");
      }
    });
    sched.spawn(function* () {
      yield* sleep(10);
      log(`kill -> ${yield* kill(t.tid, "enough")}`);
      log(`again -> ${yield* kill(t.tid)}`);
    });
    await sched.run();
    expect(lines).toEqual(["t=10 cleanup start", "t=10 kill -> true", "t=10 again -> false", "t=15 cleanup done"]);
    expect(t.status).toBe("killed");
    await expect(t.done).rejects.toThrow(/task #1 "victim" was killed: enough/);
  });

  it("a killed sleeper's heap entry wakes nothing and moves no VirtualClock, even once it is due", async () => {
    const { sched, clock } = virtualScheduler();
    const { log, lines } = recorder(sched);
    const victims: TaskHandle<void>[] = [];
    for (let i = 0; i < 100; i++) {
      victims.push(
        sched.spawn(function* victim() {
          yield* sleep(1000 + i);
          log(`ghost ${i}`);
        }),
      );
    }
    sched.spawn(function* () {
      yield* sleep(10);
      for (const v of victims) yield* kill(v.tid);
      yield* sleep(20);
      log("done");
    });
    await sched.run();
    expect(lines).toEqual(["t=30 done"]);
    expect(clock.now()).toBe(30);
  });

  it("a sleeper killed and sleeping again in its finally wakes once, in seq order with its equal deadline", async () => {
    const { sched } = virtualScheduler();
    const { log, lines } = recorder(sched);
    const t = sched.spawn(function* victim() {
      try {
        yield* sleep(20);
      } finally {
        yield* sleep(10); // the same deadline as its stale entry: 20
        log("victim woke");
      }
    });
    sched.spawn(function* () {
      yield* sleep(10);
      sched.spawn(function* early() {
        yield* sleep(10);
        log("early woke");
      });
      yield* kill(t.tid);
    });
    await sched.run();
    expect(lines).toEqual(["t=20 early woke", "t=20 victim woke"]);
    expect(t.status).toBe("killed");
  });

  it("killing a task kills its live descendants", async () => {
    const { sched } = virtualScheduler();
    const ended: string[] = [];
    sched.on("exit", (tid, e) => ended.push(`${tid}:${e.status}`));
    const root = sched.spawn(function* () {
      yield* fork(function* () {
        yield* fork(function* () {
          yield* sleep(100);
        });
        yield* sleep(100);
      });
      yield* sleep(100);
    });
    sched.spawn(function* () {
      yield* sleep(1);
      sched.kill(root.tid);
    });
    await sched.run();
    expect(ended.sort()).toEqual(["1:killed", "2:exited", "3:killed", "4:killed"]);
    expect(sched.now()).toBe(1);
  });

  it("wait on a killed task throws TaskKilledError; on a timed-out one TimeoutError", async () => {
    const { sched } = virtualScheduler();
    const t = sched.spawn(function* () {
      const a = yield* fork(function* () {
        yield* sleep(100);
      });
      const b = yield* fork(
        function* () {
          yield* sleep(100);
        },
        { timeLimit: 20 },
      );
      yield* kill(a);
      const out: string[] = [];
      for (const tid of [a, b]) {
        try {
          yield* wait(tid);
        } catch (e) {
          out.push(`${(e as Error).name}@${sched.now()}`);
        }
      }
      return out;
    });
    await sched.run();
    expect(await t.done).toEqual(["TaskKilledError@0", "TimeoutError@20"]);
  });

  it("timeLimit kills the task with a TimeoutError that is also a TaskKilledError", async () => {
    const { sched } = virtualScheduler();
    const t = sched.spawn(
      function* slow() {
        yield* sleep(1000);
      },
      { timeLimit: 250 },
    );
    await sched.run();
    expect(t.status).toBe("killed");
    const e = await t.done.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TimeoutError);
    expect(e).toBeInstanceOf(TaskKilledError);
    expect(String(e)).toMatch(/#1 "slow" ran out of its time limit of 250 ms/);
    expect(sched.now()).toBe(250);
  });

  it("rejects run() with an unobserved failure, but not when someone waited or read done", async () => {
    const { sched } = virtualScheduler();
    sched.spawn(function* () {
      throw new Error("nobody saw me");
    });
    await expect(sched.run()).rejects.toThrow("nobody saw me");

    const t = sched.spawn(function* () {
      throw new Error("seen");
    });
    void t.done.catch(() => {});
    await expect(sched.run()).resolves.toBeUndefined();

    sched.spawn(function* () {
      const k = yield* fork(function* () {
        throw new Error("waited");
      });
      yield* sleep(5);
      try {
        yield* wait(k);
      } catch {
        // observed through Wait on the ended child
      }
    });
    await expect(sched.run()).resolves.toBeUndefined();
  });

  it("rejects run() with a DeadlockError naming the stuck tasks and what each waits on", async () => {
    const { sched } = virtualScheduler();
    sched.spawn(function* a() {
      yield;
      yield* wait(2);
    });
    sched.spawn(function* b() {
      yield* wait(1);
    });
    const e = await sched.run().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeadlockError);
    expect((e as DeadlockError).tasks).toEqual([
      { tid: 1, name: "a", status: "waiting", waitingOn: 'wait #2 "b"' },
      { tid: 2, name: "b", status: "waiting", waitingOn: 'wait #1 "a"' },
    ]);
    expect(String(e)).toMatch(/#1 "a" \(wait #2 "b"\)/);
  });

  it("keeps a child's exit record until its parent waits, then frees it", () => {
    const { sched } = virtualScheduler();
    const t = sched.spawn(function* () {
      const kid = yield* fork(function* () {
        return "kept";
      });
      yield* sleep(10); // the child ends meanwhile
      const first = yield* wait(kid);
      let second = "";
      try {
        yield* wait(kid);
      } catch (e) {
        second = (e as Error).name;
      }
      return [first, second];
    });
    sched.runSync();
    return expect(t.done).resolves.toEqual(["kept", "NoSuchTaskError"]);
  });

  it("refuses Wait on another task's ended child and on unknown or own tids", () => {
    const { sched } = virtualScheduler();
    const errors: string[] = [];
    sched.spawn(function* parent() {
      yield* fork(function* () {
        return 1;
      });
      yield* sleep(10);
    });
    sched.spawn(function* other() {
      yield* sleep(5);
      for (const tid of [3, 99, 2]) {
        try {
          yield* wait(tid);
        } catch (e) {
          expect(e).toBeInstanceOf(NoSuchTaskError);
          errors.push((e as Error).message);
        }
      }
    });
    sched.runSync();
    expect(errors[0]).toMatch(/#3: it has ended, and only its parent #1/);
    expect(errors[1]).toMatch(/#99/);
    expect(errors[2]).toMatch(/#2: a task cannot wait on itself/);
  });
});

describe("kill during a slice", () => {
  it("ends a task killed by a listener of its own syscall instead of leaving it asleep", async () => {
    const { sched } = virtualScheduler();
    const t = sched.spawn(function* () {
      yield* sleep(10_000);
    });
    sched.on("syscall", (tid) => sched.kill(tid, "from a listener"));
    await sched.run();
    expect(t.status).toBe("killed");
    expect(sched.now()).toBe(0);
  });
});
