import { describe, expect, it } from "vitest";
import { NoSuchTaskError, Scheduler, VirtualClock, fork, kill, sleep, submitIO, wait } from "../src/index.js";
import { virtualScheduler } from "./helpers.js";

/** Runs `body` as a task and returns what it caught from its one bad step. */
function caught(step: () => Generator<unknown, unknown, unknown>): unknown {
  const { sched } = virtualScheduler();
  let error: unknown;
  sched.spawn(function* probe() {
    try {
      yield* step();
    } catch (e) {
      error = e;
    }
  });
  sched.runSync();
  return error;
}

describe("bad input", () => {
  it.each([
    ["a Promise", Promise.resolve(1), /yielded a Promise.*yield\* call\(\(\) => promise\)/],
    ["a number", 42, /yielded 42 \(number\), which is not a syscall/],
    ["a plain object", { a: 1 }, /yielded \{"a":1\} \(object\)/],
    ["a string", "go", /yielded "go" \(string\)/],
  ])("throws a TypeError into a task that yields %s, naming it", (_label, value, message) => {
    const error = caught(function* () {
      yield value;
    });
    expect(error).toBeInstanceOf(TypeError);
    expect(String(error)).toMatch(message);
    expect(String(error)).toMatch(/task #1 "probe"/);
  });

  it("keeps running a task after a bad yield it catches", () => {
    const { sched } = virtualScheduler();
    const t = sched.spawn(function* () {
      try {
        yield 1 as unknown as undefined;
      } catch {
        // expected
      }
      yield* sleep(5);
      return "alive";
    });
    sched.runSync();
    return expect(t.done).resolves.toBe("alive");
  });

  it.each([-1, NaN, Infinity, "10" as unknown as number])("throws a RangeError into a task for sleep(%s)", (ms) => {
    const error = caught(function* () {
      yield* sleep(ms);
    });
    expect(error).toBeInstanceOf(RangeError);
    expect(String(error)).toMatch(new RegExp(`finite number of ms >= 0, got ${typeof ms === "string" ? '"10"' : String(ms)}`));
  });

  it("throws a TypeError at spawn for a non-generator, naming the value", () => {
    const sched = new Scheduler();
    expect(() => sched.spawn(42 as never)).toThrow(/expects a generator function or generator object, got 42 \(number\)/);
    expect(() => sched.spawn((() => 1) as never)).toThrow(TypeError);
    expect(() => sched.spawn(async function* agen() {} as never)).toThrow(/async generator \(a function agen\).*function\*/);
    expect(() => sched.spawn(function* () {}, { priority: NaN })).toThrow(/priority must be a finite number, got NaN/);
    expect(() => sched.spawn(function* () {}, { timeLimit: -5 })).toThrow(/timeLimit must be a finite number of ms >= 0, got -5/);
    expect(() => sched.spawn(function* () {}, { name: 7 as never })).toThrow(/task name must be a string, got 7/);
    expect(sched.ps().length).toBe(0);
  });

  it("refuses a generator object that already backs a task, however it is handed over", () => {
    const sched = new Scheduler();
    function* body() {
      yield;
    }
    const shared = body();
    sched.spawn(() => shared);
    expect(() => sched.spawn(shared)).toThrow(/already runs as task #1/);
    expect(() => sched.spawn(() => shared)).toThrow(/already runs as task #1/);
    sched.spawn(body);
    sched.spawn(body);
    expect(sched.ps().map((t) => t.tid)).toEqual([1, 2, 3]);
  });

  it("throws fork's TypeError into the forking task, not the scheduler", () => {
    const error = caught(function* () {
      yield* fork("nope" as never);
    });
    expect(error).toBeInstanceOf(TypeError);
    expect(String(error)).toMatch(/got "nope" \(string\)/);
  });

  it("throws NoSuchTaskError for wait on an unknown tid, the caller's own tid, or a non-number", () => {
    for (const tid of [404, 1, "2" as unknown as number]) {
      const error = caught(function* () {
        yield* wait(tid);
      });
      expect(error).toBeInstanceOf(NoSuchTaskError);
      expect(String(error)).toMatch(typeof tid === "string" ? /"2" \(string\)/ : new RegExp(`#${tid}`));
    }
  });

  it("throws a TypeError for kill of a non-integer tid, in a task and from outside", () => {
    const error = caught(function* () {
      yield* kill(1.5);
    });
    expect(String(error)).toMatch(/integer tid, got 1.5 \(number\)/);
    expect(() => new Scheduler().kill("x" as never)).toThrow(/integer tid, got "x"/);
    expect(new Scheduler().kill(12)).toBe(false);
  });

  it("reports a throwing listener through the error event and keeps the loop going", () => {
    const { sched } = virtualScheduler();
    const reported: string[] = [];
    sched.on("spawn", () => {
      throw new Error("listener broke");
    });
    sched.on("error", (e, source) => reported.push(`${(e as Error).message} / ${source}`));
    const t = sched.spawn(function* () {
      yield* fork(function* () {});
      return "ok";
    });
    sched.runSync();
    expect(reported).toEqual(['listener broke / a "spawn" listener threw', 'listener broke / a "spawn" listener threw']);
    return expect(t.done).resolves.toBe("ok");
  });

  it("rejects run() with a throwing listener's error when nobody listens to error", async () => {
    const { sched } = virtualScheduler();
    sched.on("exit", () => {
      throw new Error("unheard");
    });
    const t = sched.spawn(function* () {
      return 1;
    });
    await expect(sched.run()).rejects.toThrow("unheard");
    expect(await t.done).toBe(1);
  });

  it("rejects bad scheduler and clock options", () => {
    expect(() => new Scheduler({ clock: {} as never })).toThrow(/options.clock must implement now\(\)/);
    expect(() => new Scheduler({ hostTurnMs: 0 })).toThrow(/hostTurnMs must be a finite number of ms > 0, got 0/);
    expect(() => new VirtualClock(NaN)).toThrow(/finite number, got NaN/);
    expect(() => new VirtualClock().advance(-1)).toThrow(/got -1/);
  });

  it("names the submitIO call, and the op's index in a batch, when an op is bad", () => {
    const single = caught(function* () {
      yield* submitIO({ type: "timeout", ms: -1 });
    });
    expect(String(single)).toMatch(/^RangeError: submitIO: .*-1/);
    const batch = caught(function* () {
      yield* submitIO([{ type: "nop" }, { type: "call", fn: 5 } as never]);
    });
    expect(String(batch)).toMatch(/^TypeError: submitIO op 1: .*5 \(number\)/);
  });
});
