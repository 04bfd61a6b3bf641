import { describe, expect, it } from "vitest";
import {
  DeadlockError,
  NoSuchTaskError,
  Scheduler,
  Syscall,
  TaskKilledError,
  TimeoutError,
  VirtualClock,
  call,
  channel,
  fork,
  kill,
  pause,
  race,
  resume,
  sleep,
  wait,
  waitAll,
  waitAny,
  type SyscallContext,
} from "../src/index.js";
import { describeValue } from "../src/checks.js";
import { RunQueue } from "../src/kernel/run-queue.js";
import { virtualScheduler } from "./helpers.js";

/** A custom syscall whose behaviour is a function of its context. */
class Custom<R = unknown> extends Syscall<R> {
  constructor(readonly run: (ctx: SyscallContext<R>) => void | PromiseLike<void>) {
    super();
  }
  override handle(ctx: SyscallContext<R>): void | PromiseLike<void> {
    return this.run(ctx);
  }
}

function exitCounts(sched: Scheduler): Map<number, number> {
  const exits = new Map<number, number>();
  sched.on("exit", (tid) => exits.set(tid, (exits.get(tid) ?? 0) + 1));
  return exits;
}

describe("kernel: a pass runs a snapshot of the ready queue", () => {
  it("lets a task pause another task queued in the same pass, from a task, a handle and a listener", () => {
    for (const from of ["task", "handle", "listener"] as const) {
      const { sched } = virtualScheduler();
      const order: string[] = [];
      const victimTid = 2;
      const pauser = sched.spawn(function* pauser() {
        if (from === "task") yield* pause(victimTid);
        if (from === "handle") yield* new Custom<void>((ctx) => (sched.pause(victimTid), ctx.resume()));
        order.push("pauser");
      });
      sched.spawn(function* victim() {
        order.push("victim");
      });
      sched.spawn(function* resumer() {
        yield* sleep(5);
        order.push("resume");
        yield* resume(victimTid);
      });
      if (from === "listener") sched.once("run", (tid) => tid === pauser.tid && sched.pause(victimTid));
      const exits = exitCounts(sched);
      sched.runSync();
      expect(order).toEqual(["pauser", "resume", "victim"]);
      expect([...exits.values()]).toEqual([1, 1, 1]);
    }
  });

  it("runs each task once per pass and gives it one exit when a wake listener kills it", async () => {
    const { sched } = virtualScheduler();
    const exits = exitCounts(sched);
    let slices = 0;
    const sleeper = sched.spawn(function* () {
      try {
        yield* sleep(10);
      } finally {
        slices++;
      }
    });
    const other = sched.spawn(function* () {
      yield* sleep(20);
      return "other done";
    });
    sched.on("wake", (tid) => {
      if (tid === sleeper.tid) sched.kill(tid, "from a wake listener");
    });
    await sched.run();
    expect(slices).toBe(1);
    expect(exits.get(sleeper.tid)).toBe(1);
    expect(sleeper.status).toBe("killed");
    await expect(other.done).resolves.toBe("other done");
  });

  it("keeps priorities strict within a pass: a higher-priority child runs before the rest of the batch", () => {
    const { sched } = virtualScheduler();
    const order: string[] = [];
    sched.spawn(function* low() {
      order.push("low");
    });
    sched.spawn(function* parent() {
      order.push("parent");
      yield* fork(function* () {
        order.push("urgent");
      }, { priority: 5 });
      order.push("parent again");
    });
    sched.runSync();
    expect(order).toEqual(["low", "parent", "urgent", "parent again"]);
  });

  it("drops an empty priority level, so a program that used many priorities keeps a short queue", () => {
    const q = new RunQueue<{ tid: number; priority: number }>();
    for (let p = 0; p < 1000; p++) {
      q.push({ tid: p, priority: p });
      q.shift();
    }
    q.push({ tid: 1, priority: 3 });
    expect([...q].length).toBe(1);
    expect(q.levelCount).toBe(1);
  });
});

describe("kernel: callbacks cannot break the loop", () => {
  it("fails the syscall, not the loop, when a ctx.after callback throws", async () => {
    const { sched } = virtualScheduler();
    const t = sched.spawn(function* () {
      try {
        yield* new Custom((ctx) => {
          ctx.after(5, () => {
            throw new Error("after broke");
          });
        });
      } catch (e) {
        return (e as Error).message;
      }
    });
    const other = sched.spawn(function* () {
      yield* sleep(10);
      return 1;
    });
    await sched.run();
    await expect(t.done).resolves.toBe("after broke");
    await expect(other.done).resolves.toBe(1);
  });

  it("fails the syscall when an async handle rejects, with no unhandled rejection", async () => {
    const { sched } = virtualScheduler();
    const t = sched.spawn(function* () {
      try {
        yield* new Custom(async () => {
          await Promise.resolve();
          throw new Error("async handle broke");
        });
      } catch (e) {
        return (e as Error).message;
      }
    });
    await sched.run();
    await expect(t.done).resolves.toBe("async handle broke");
  });

  it("throws a TypeError into a task that yields a hostile value, and only into that task", async () => {
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const throwingTraps = new Proxy({}, { getPrototypeOf: () => { throw new Error("trap"); }, get: () => { throw new Error("trap"); } });
    const throwingThen = { get then(): never { throw new Error("then getter"); } };
    const throwingCtor = { get constructor(): never { throw new Error("ctor getter"); } };
    for (const value of [revoked.proxy, throwingTraps, throwingThen, throwingCtor]) {
      const { sched } = virtualScheduler();
      const t = sched.spawn(function* () {
        try {
          yield value;
        } catch (e) {
          return e instanceof TypeError && /which is not a syscall/.test((e as Error).message);
        }
      });
      const bystander = sched.spawn(function* () {
        yield;
        return "fine";
      });
      await sched.run();
      await expect(t.done).resolves.toBe(true);
      await expect(bystander.done).resolves.toBe("fine");
    }
  });

  it("fails a hand-written iterator whose next() returns null, not the loop", async () => {
    const { sched } = virtualScheduler();
    let thrownIn: unknown;
    const iterator = {
      next: () => null,
      throw: (e: unknown) => {
        thrownIn = e;
        return { done: true, value: "recovered" };
      },
      return: () => ({ done: true, value: undefined }),
    };
    const t = sched.spawn(iterator as never);
    await sched.run();
    expect(thrownIn).toBeInstanceOf(TypeError);
    expect(String((thrownIn as Error).message)).toMatch(/next\(\) returned null, not an iterator result/);
    await expect(t.done).resolves.toBe("recovered");
  });

  it("kills with a reason that cannot be turned into a string", async () => {
    const { sched } = virtualScheduler();
    const reason = { toString() { throw new Error("no string"); }, [Symbol.toPrimitive]() { throw new Error("no primitive"); } };
    const victim = sched.spawn(function* () {
      yield* sleep(100);
    });
    const killer = sched.spawn(function* () {
      return yield* kill(victim.tid, reason);
    });
    await sched.run();
    await expect(killer.done).resolves.toBe(true);
    const e = await victim.done.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TaskKilledError);
    expect((e as TaskKilledError).reason).toBe(reason);
  });

  it("keeps ops submitted directly on sched.ring apart from the tasks' completions", async () => {
    const { sched } = virtualScheduler();
    const t = sched.spawn(function* () {
      const a = yield* call(() => Promise.resolve("task op"));
      yield* sleep(1);
      return a;
    });
    const seq = sched.ring.submit({ type: "nop" }, { userData: "mine" });
    sched.ring.enter();
    await sched.run();
    await expect(t.done).resolves.toBe("task op");
    const reaped = sched.ring.reap();
    expect(reaped.map((c) => [c.seq, c.userData, c.ok])).toEqual([[seq, "mine", true]]);
  });

  it("refuses an async function without running its body", () => {
    const { sched } = virtualScheduler();
    let ran = false;
    const body = async () => {
      ran = true;
      throw new Error("should never run");
    };
    expect(() => sched.spawn(body as never)).toThrow(/got an async function/);
    expect(ran).toBe(false);
  });

  it("gives call(fn) an AbortSignal when fn's parameter has a default value or is a rest parameter", async () => {
    const { sched } = virtualScheduler();
    const seen: unknown[] = [];
    sched.spawn(function* () {
      yield* call((signal: AbortSignal | undefined = undefined) => seen.push(signal instanceof AbortSignal));
      yield* call((...args: unknown[]) => seen.push(args[0] instanceof AbortSignal));
    });
    await sched.run();
    expect(seen).toEqual([true, true]);
  });
});

describe("kernel: no error is lost", () => {
  it("ends a task failed when its finally throws during a kill, for kill, timeLimit and race losers", async () => {
    const { sched } = virtualScheduler();
    const cleanupFails = (label: string) =>
      function* () {
        try {
          yield* sleep(1000);
        } finally {
          // eslint-disable-next-line no-unsafe-finally
          throw new Error(`cleanup of ${label}`);
        }
      };
    const killed = sched.spawn(cleanupFails("killed"));
    const limited = sched.spawn(cleanupFails("limited"), { timeLimit: 5 });
    const racer = sched.spawn(function* () {
      return yield* race([function* fast() {
        yield* sleep(1);
        return "fast";
      }, cleanupFails("loser")]);
    });
    sched.spawn(function* () {
      yield* sleep(2);
      yield* kill(killed.tid);
    });
    const error = await sched.run().catch((e: unknown) => e);
    expect(killed.status).toBe("failed");
    expect(limited.status).toBe("failed");
    await expect(racer.done).resolves.toBe("fast");
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual(["cleanup of loser", "cleanup of killed", "cleanup of limited"]);
  });

  it("rejects run() with every unobserved failure, a deadlock last, and never in a later run", async () => {
    const { sched } = virtualScheduler();
    sched.spawn(function* a() {
      throw new Error("a failed");
    });
    sched.spawn(function* b() {
      yield;
      throw new Error("b failed");
    });
    sched.spawn(function* stuck() {
      yield* channel<number>({ name: "never" }).receive();
    });
    const error = (await sched.run().catch((e: unknown) => e)) as AggregateError;
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.errors.map((e: Error) => e.message)).toEqual(["a failed", "b failed", expect.stringMatching(/^deadlock/)]);
    expect(error.errors[2]).toBeInstanceOf(DeadlockError);
    const healthy = new Scheduler({ clock: new VirtualClock() });
    healthy.spawn(function* () {
      throw new Error("first run");
    });
    await expect(healthy.run()).rejects.toThrow("first run");
    healthy.spawn(function* () {});
    await expect(healthy.run()).resolves.toBeUndefined();
  });

  it("keeps a throwing listener's error when a task also failed", async () => {
    const { sched } = virtualScheduler();
    sched.on("spawn", () => {
      throw new Error("listener broke");
    });
    sched.spawn(function* () {
      throw new Error("task failed");
    });
    const error = (await sched.run().catch((e: unknown) => e)) as AggregateError;
    expect(error.errors.map((e: Error) => e.message)).toEqual(["listener broke", "task failed"]);
  });
});

describe("kernel: joins are syscalls", () => {
  it("stops a task killed while blocked in waitAll or waitAny: no code after the join runs", async () => {
    for (const join of [waitAll, waitAny] as const) {
      const { sched } = virtualScheduler();
      let after = false;
      const joiner = sched.spawn(function* () {
        const a = yield* fork(function* () {
          yield* sleep(100);
        });
        yield* join([a]);
        after = true;
      });
      sched.spawn(function* () {
        yield* sleep(10);
        yield* kill(joiner.tid);
      });
      await sched.run();
      expect(after).toBe(false);
      expect(joiner.status).toBe("killed");
    }
  });

  it("forks no watcher tasks: a join costs no children of the budget and shows in no trace", async () => {
    const { sched } = virtualScheduler();
    const names: string[] = [];
    sched.on("spawn", (_tid, e) => names.push(e.name));
    const t = sched.spawn(function* main() {
      const a = yield* fork(function* a() {
        return 1;
      });
      const b = yield* fork(function* b() {
        yield* sleep(5);
        return "two";
      });
      return yield* waitAll([a, b]);
    }, { budget: { maxChildren: 2 } });
    await sched.run();
    await expect(t.done).resolves.toEqual([1, "two"]);
    expect(names).toEqual(["main", "a", "b"]);
  });

  it("names a tid that was never a task", async () => {
    const { sched } = virtualScheduler();
    const t = sched.spawn(function* () {
      yield* waitAll([99]);
    });
    await sched.run().catch(() => {});
    await expect(t.done).rejects.toBeInstanceOf(NoSuchTaskError);
  });

  it("refuses one generator object raced twice", async () => {
    const { sched } = virtualScheduler();
    const g = (function* () {
      return 1;
    })();
    const t = sched.spawn(function* () {
      return yield* race([g, g]);
    });
    await sched.run().catch(() => {});
    await expect(t.done).rejects.toThrow(/already runs as task/);
  });
});

describe("kernel: structured scope", () => {
  it("kills a scoped task's live children when it ends; the PyOS default leaves them running", async () => {
    const { sched } = virtualScheduler();
    const child = function* () {
      yield* sleep(100);
      return "child done";
    };
    let scopedKid = 0;
    let plainKid = 0;
    sched.spawn(function* () {
      scopedKid = yield* fork(child);
    }, { scoped: true });
    sched.spawn(function* () {
      plainKid = yield* fork(child);
    });
    const exits = new Map<number, string>();
    sched.on("exit", (tid, e) => exits.set(tid, e.status));
    await sched.run();
    expect(exits.get(scopedKid)).toBe("killed");
    expect(exits.get(plainKid)).toBe("exited");
  });
});

describe("kernel: determinism and the host", () => {
  it("gives the host event loop turns on a virtual clock while a task keeps sleeping", async () => {
    const { sched } = virtualScheduler();
    let hostTimerFired = false;
    setTimeout(() => (hostTimerFired = true), 5);
    sched.spawn(function* () {
      const started = performance.now();
      while (!hostTimerFired && performance.now() - started < 2_000) yield* sleep(1);
    });
    await sched.run();
    expect(hostTimerFired).toBe(true);
  });

  it("gives the same trace on a virtual clock however long slices take in real time", async () => {
    const traceOf = async (busyMs: number) => {
      const { sched } = virtualScheduler();
      const lines: string[] = [];
      sched.on("run", (tid) => lines.push(`run #${tid}`));
      sched.on("io:complete", (tid, c) => lines.push(`complete #${tid} op ${c.seq}`));
      const busy = () => {
        const end = performance.now() + busyMs;
        while (performance.now() < end);
      };
      for (let i = 0; i < 2; i++) {
        sched.spawn(function* caller() {
          for (let j = 0; j < 20; j++) yield* call(() => Promise.resolve(j));
        });
      }
      // Always ready: host turns (when ops settled by promises come in) fall between its slices.
      sched.spawn(function* spinner() {
        for (let j = 0; j < 400; j++) {
          busy();
          yield;
        }
      });
      await sched.run();
      return lines;
    };
    expect(await traceOf(0.2)).toEqual(await traceOf(0));
  });

  it("returns a message handed to a receiver killed before it took it", async () => {
    const { sched } = virtualScheduler();
    const ch = channel<string>({ name: "inbox" });
    const got: string[] = [];
    const first = sched.spawn(function* () {
      const m = yield* ch.receive();
      if (!m.done) got.push(`first got ${m.value}`);
    });
    sched.spawn(function* second() {
      yield;
      const m = yield* ch.receive();
      if (!m.done) got.push(`second got ${m.value}`);
    });
    sched.spawn(function* sender() {
      yield;
      yield;
      yield* ch.send("hello");
    });
    // first is handed "hello" and killed before its next slice.
    sched.on("wake", (tid, e) => e.from === "syscall" && tid === first.tid && sched.kill(tid));
    await sched.run();
    expect(got).toEqual(["second got hello"]);
  });
});

describe("kernel: messages", () => {
  it("cuts a long value in a message", () => {
    const text = describeValue("x".repeat(1_000_000));
    expect(text.length).toBeLessThan(100);
    expect(text).toMatch(/1000002 chars/);
  });

  it("refuses a VirtualClock of another copy of yieldos with a message that says so", () => {
    const foreign = { now: () => 0, setTimer: () => 0, clearTimer: () => {}, [Symbol.for("yieldos.VirtualClock")]: true };
    expect(() => new Scheduler({ clock: foreign })).toThrow(/VirtualClock from another copy of yieldos/);
  });

  it("says when a task yields a syscall of another copy of yieldos", async () => {
    const { sched } = virtualScheduler();
    const t = sched.spawn(function* () {
      yield { [Symbol.for("yieldos.syscall")]: true };
    });
    await sched.run().catch(() => {});
    await expect(t.done).rejects.toThrow(/a syscall from another copy of yieldos/);
  });

  it("times out with a TimeoutError naming the task and limit", async () => {
    const { sched } = virtualScheduler();
    const t = sched.spawn(function* slow() {
      yield* sleep(100);
    }, { timeLimit: 10 });
    await sched.run();
    const e = await t.done.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TimeoutError);
    expect((e as Error).message).toBe('task #1 "slow" ran out of its time limit of 10 ms');
  });
});
