import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  IoRing,
  NoSuchTaskError,
  RealClock,
  RingFullError,
  Scheduler,
  Syscall,
  VirtualClock,
  call,
  fork,
  kill,
  pause,
  sleep,
  submitIO,
  wait,
  type IoHandler,
  type IoOp,
  type SyscallContext,
} from "../src/index.js";

// The catalogue of bad inputs the public API can receive, one row per README row of "What happens
// when ..." (section "Reliability"). Each case of an error row must throw that class with a message
// that contains the value at fault; each case of a value row must give that value. Some rows are
// also covered by the narrower tests in bad-input.test.ts and io-ring.test.ts; this file is the
// list the README mirrors, and a test below keeps the two in step.

type ErrorClass = abstract new (...args: never[]) => Error;

interface Row {
  /** The part of the API: README's first column. */
  api: string;
  /** README's "What happens when ..." column. */
  when: string;
  /** README's "You get" column. */
  get: string;
  /** The class every case throws, or `null` for a row whose cases return a value. */
  error: ErrorClass | null;
  /** `[what the message must contain (or the value returned), how to cause it]`. */
  cases: [expected: unknown, run: () => unknown][];
}

/** Calls `fn` and returns what it threw; fails if it threw nothing. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw, but nothing was thrown");
}

/** Runs `body` (a generator, or a syscall to yield) as task #1 "probe" on a virtual clock and returns what it caught. */
function inTask(body: (sched: Scheduler) => Iterable<unknown>): unknown {
  const sched = new Scheduler({ clock: new VirtualClock() });
  let caught: unknown = undefined;
  let threw = false;
  sched.spawn(function* probe() {
    try {
      yield* body(sched);
    } catch (error) {
      caught = error;
      threw = true;
    }
  });
  sched.runSync();
  if (!threw) throw new Error("expected the task to catch an error, but it caught none");
  return caught;
}

/** Runs `body` as a task on a virtual clock and returns its return value. */
function taskValue(body: () => Iterable<unknown>): unknown {
  const sched = new Scheduler({ clock: new VirtualClock() });
  let value: unknown;
  sched.spawn(function* probe() {
    value = yield* body();
  });
  sched.runSync();
  return value;
}

/** Submits `op` to a standalone ring on a virtual clock with `handlers`, and returns its completion's error. */
async function opError(handlers: Record<string, IoHandler>, op: IoOp): Promise<unknown> {
  const clock = new VirtualClock();
  const ring = new IoRing({ clock, handlers });
  ring.submit(op);
  expect(ring.enter()).toBe(1);
  clock.advance(10);
  await ring.wait();
  const [c] = ring.reap();
  expect(c.ok).toBe(false);
  return c.error;
}

class NoHandle extends Syscall<number> {}

class ResumeTwice extends Syscall<number> {
  override handle(ctx: SyscallContext<number>): void {
    ctx.resume(1);
    ctx.resume(2);
  }
}

class FailAfterResume extends Syscall<number> {
  override handle(ctx: SyscallContext<number>): void {
    ctx.resume(1);
    ctx.fail(new Error("too late"));
  }
}

class HandleThrows extends Syscall<number> {
  override handle(): void {
    throw new Error("handle broke");
  }
}

class ThrowsAfterResume extends Syscall<number> {
  override handle(ctx: SyscallContext<number>): void {
    ctx.resume(1);
    throw new Error("thrown after resume");
  }
}

class AfterBadMs extends Syscall<number> {
  override handle(ctx: SyscallContext<number>): void {
    ctx.after(-1, () => ctx.resume(1));
  }
}

class AfterBadFn extends Syscall<number> {
  override handle(ctx: SyscallContext<number>): void {
    ctx.after(1, "later" as never);
  }
}

/** Resumes 1 ms later; keeps its context so a test can resume it again after a kill. */
class Kept extends Syscall<number> {
  static last: SyscallContext<number> | null = null;
  override handle(ctx: SyscallContext<number>): void {
    Kept.last = ctx;
    ctx.after(1, () => ctx.resume(1));
  }
}

const gen = function* () {};
const echo: IoHandler = (requests) => {
  for (const r of requests) r.complete(r.op.value);
};

export const catalogue: Row[] = [
  // ---- Scheduler -----------------------------------------------------------------------------
  {
    api: "Scheduler",
    when: "`new Scheduler(options)` with options that are not an object",
    get: "`TypeError` from the constructor, naming the value",
    error: TypeError,
    cases: [
      ["got null", () => thrown(() => new Scheduler(null as never))],
      ["got 5 (number)", () => thrown(() => new Scheduler(5 as never))],
    ],
  },
  {
    api: "Scheduler",
    when: "`options.clock` lacks `now`, `setTimer` or `clearTimer`",
    get: "`TypeError` naming the value",
    error: TypeError,
    cases: [["got {} (object)", () => thrown(() => new Scheduler({ clock: {} as never }))]],
  },
  {
    api: "Scheduler",
    when: "`options.hostTurnMs` is not a finite number > 0",
    get: "`RangeError` naming the value",
    error: RangeError,
    cases: [
      ["got 0 (number)", () => thrown(() => new Scheduler({ hostTurnMs: 0 }))],
      ['got "4" (string)', () => thrown(() => new Scheduler({ hostTurnMs: "4" as never }))],
    ],
  },
  {
    api: "Scheduler",
    when: "`options.ring` is invalid, or sets `clock` (the scheduler's ring runs on the scheduler's clock)",
    get: "the `IoRing` option error (below), from the constructor",
    error: Error,
    cases: [
      ["got 3 (number)", () => thrown(() => new Scheduler({ ring: { entries: 3 } }))],
      ["`clock` cannot be set on a scheduler's ring", () => thrown(() => new Scheduler({ ring: { clock: new VirtualClock() } as never }))],
    ],
  },
  {
    api: "Scheduler",
    when: "`options.policy` has no `pick` method",
    get: "`TypeError` naming the value",
    error: TypeError,
    cases: [["got {} (object)", () => thrown(() => new Scheduler({ policy: {} as never }))]],
  },
  {
    api: "Scheduler",
    when: "an unknown key in Scheduler or spawn/fork options (a typo such as `{ timelimit: 5 }`), or options that are not an object",
    get: "`TypeError` naming the key and the known ones, or the value",
    error: TypeError,
    cases: [
      ['unknown Scheduler option "hostTurnMS"', () => thrown(() => new Scheduler({ hostTurnMS: 1 } as never))],
      [
        'unknown task option "timelimit": expected one of name, priority, timeLimit, budget',
        () => thrown(() => new Scheduler().spawn(gen, { timelimit: 5 } as never)),
      ],
      ["got 5 (number)", () => thrown(() => new Scheduler().spawn(gen, 5 as never))],
    ],
  },
  {
    api: "Scheduler",
    when: "`spawn(target)` or `fork(target)` with something that is not a generator or generator function",
    get: "`TypeError` naming the value (from `spawn`; thrown into the task for `fork`)",
    error: TypeError,
    cases: [
      ["got 42 (number)", () => thrown(() => new Scheduler().spawn(42 as never))],
      ["got {} (object)", () => thrown(() => new Scheduler().spawn({ next() {} } as never))],
      ['got "nope" (string)', () => inTask(() => fork("nope" as never))],
    ],
  },
  {
    api: "Scheduler",
    when: "`spawn(fn)` where `fn` is a plain or `async` function (returns no generator)",
    get: "`TypeError` naming what it returned (an `async` function is refused without being called), with a hint to use `function*`",
    error: TypeError,
    cases: [
      ["returned 1 (number)", () => thrown(() => new Scheduler().spawn((() => 1) as never))],
      ["got an async function", () => thrown(() => new Scheduler().spawn((async () => 1) as never))],
      ["returned a Promise", () => thrown(() => new Scheduler().spawn((() => Promise.reject(new Error("x"))) as never))],
    ],
  },
  {
    api: "Scheduler",
    when: "`spawn` of an async generator function or object",
    get: "`TypeError`: tasks are sync generators; do async work with `yield* call(fn)`",
    error: TypeError,
    cases: [["async generator (a function agen)", () => thrown(() => new Scheduler().spawn(async function* agen() {} as never))]],
  },
  {
    api: "Scheduler",
    when: "the same generator object spawned or forked twice",
    get: "`TypeError` naming the task that already runs it",
    error: TypeError,
    cases: [
      [
        "already runs as task #1",
        () => {
          const sched = new Scheduler();
          const g = gen();
          sched.spawn(g);
          return thrown(() => sched.spawn(g));
        },
      ],
    ],
  },
  {
    api: "Scheduler",
    when: "a generator object that has already run to its end is spawned",
    get: "not detectable: the task exits at once with `undefined`",
    error: null,
    cases: [
      [
        undefined,
        () => {
          const g = (function* () {
            return "ran";
          })();
          g.next();
          const sched = new Scheduler({ clock: new VirtualClock() });
          let out: unknown = "not set";
          const t = sched.spawn(g);
          sched.on("exit", (_tid, e) => (out = e.result));
          sched.runSync();
          expect(t.status).toBe("exited");
          return out;
        },
      ],
    ],
  },
  {
    api: "Scheduler",
    when: "spawn/fork option `name` is not a string",
    get: "`TypeError` naming the value",
    error: TypeError,
    cases: [["got 7 (number)", () => thrown(() => new Scheduler().spawn(gen, { name: 7 as never }))]],
  },
  {
    api: "Scheduler",
    when: "spawn/fork option `priority` is not a finite number",
    get: "`RangeError` naming the value",
    error: RangeError,
    cases: [
      ["got NaN (number)", () => thrown(() => new Scheduler().spawn(gen, { priority: NaN }))],
      ['got "hi" (string)', () => inTask(() => fork(gen, { priority: "hi" as never }))],
    ],
  },
  {
    api: "Scheduler",
    when: "spawn/fork option `timeLimit` is negative, `NaN` or `Infinity`",
    get: "`RangeError` naming the value",
    error: RangeError,
    cases: [
      ["got -5 (number)", () => thrown(() => new Scheduler().spawn(gen, { timeLimit: -5 }))],
      ["got Infinity (number)", () => thrown(() => new Scheduler().spawn(gen, { timeLimit: Infinity }))],
    ],
  },
  {
    api: "Scheduler",
    when: "spawn/fork option `budget` is not an object of known limits >= 0",
    get: "`TypeError` (not an object, unknown key) or `RangeError` (bad limit) naming the value",
    error: Error,
    cases: [
      ["got 1 (number)", () => thrown(() => new Scheduler().spawn(gen, { budget: 1 as never }))],
      ['unknown budget "maxFoo"', () => thrown(() => new Scheduler().spawn(gen, { budget: { maxFoo: 1 } as never }))],
      ["got -1 (number)", () => thrown(() => new Scheduler().spawn(gen, { budget: { maxIo: -1 } }))],
    ],
  },
  {
    api: "Scheduler",
    when: "`sched.kill(tid)`, `sched.pause(tid)` or `sched.resume(tid)` with a tid that is not an integer",
    get: "`TypeError` naming the value",
    error: TypeError,
    cases: [
      ['got "x" (string)', () => thrown(() => new Scheduler().kill("x" as never))],
      ["got 1.5 (number)", () => thrown(() => new Scheduler().kill(1.5))],
      ["got NaN (number)", () => thrown(() => new Scheduler().pause(NaN))],
      ['got "1" (string)', () => thrown(() => new Scheduler().resume("1" as never))],
    ],
  },
  {
    api: "Scheduler",
    when: "`sched.kill`, `pause` or `resume` of an unknown or ended tid",
    get: "`false`",
    error: null,
    cases: [
      [false, () => new Scheduler().kill(999)],
      [false, () => new Scheduler().pause(999)],
    ],
  },
  {
    api: "Scheduler",
    when: "`run()` or `runSync()` while the scheduler runs (again, from a task, or from a listener)",
    get: "`Error` at the call, naming the method: await the running call instead",
    error: Error,
    cases: [
      [
        "Scheduler.run() called while the scheduler is already running",
        () => {
          const sched = new Scheduler();
          sched.spawn(function* () {
            yield* sleep(1);
          });
          const first = sched.run();
          const error = thrown(() => sched.run());
          return first.then(() => error);
        },
      ],
      [
        "Scheduler.runSync() called while",
        () =>
          inTask(function* (sched) {
            sched.runSync();
          }),
      ],
      [
        "Scheduler.runSync() called while",
        () => {
          const sched = new Scheduler({ clock: new VirtualClock() });
          let error: unknown;
          sched.on("exit", () => (error = thrown(() => sched.runSync())));
          sched.spawn(gen);
          sched.runSync();
          return error;
        },
      ],
    ],
  },
  {
    api: "Scheduler",
    when: "`runSync()` when finishing needs real time or pending I/O",
    get: "`Error` naming each blocked task and what it waits on",
    error: Error,
    cases: [
      [
        '#1 "sleeper" (sleep until',
        () => {
          const sched = new Scheduler();
          sched.spawn(function* sleeper() {
            yield* sleep(5);
          });
          const error = thrown(() => sched.runSync());
          sched.kill(1);
          return error;
        },
      ],
    ],
  },
  {
    api: "Scheduler",
    when: "`sleep`, `timeLimit` or an op `timeout` longer than the host's timer range (2^31-1 ms, ~24.8 days) on the real clock",
    get: "works: one host timer, re-armed in hops until the deadline (before the fix it re-armed every 1 ms)",
    error: null,
    cases: [
      [
        true,
        async () => {
          const realSet = globalThis.setTimeout;
          let armed = 0;
          globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => (armed++, realSet(...args))) as typeof setTimeout;
          try {
            const sched = new Scheduler({ clock: new RealClock() });
            sched.spawn(function* () {
              yield* sleep(30 * 24 * 3600 * 1000);
            });
            const done = sched.run();
            await new Promise((resolve) => realSet(resolve, 30));
            sched.kill(1);
            await done;
            return armed <= 2;
          } finally {
            globalThis.setTimeout = realSet;
          }
        },
      ],
    ],
  },
  // ---- Task --------------------------------------------------------------------------------------
  {
    api: "Task",
    when: "a task yields something that is not a syscall (a Promise, a number, a plain object, `null`, a generator)",
    get: "`TypeError` thrown into the task at that `yield`, naming the value and what to use instead",
    error: TypeError,
    cases: [
      ["yielded a Promise, which is not a syscall: to await a promise, use `yield* call(() => promise)`", () => inTask(function* () {
        yield Promise.resolve(1);
      })],
      ["yielded 42 (number)", () => inTask(function* () {
        yield 42;
      })],
      ['yielded {"a":1} (object)', () => inTask(function* () {
        yield { a: 1 };
      })],
      ["yielded null", () => inTask(function* () {
        yield null;
      })],
      ["yielded a generator object, which is not a syscall: to run a generator in this task, delegate with `yield*`", () => inTask(function* () {
        yield gen();
      })],
    ],
  },
  {
    api: "Task",
    when: "a task yields a `Syscall` subclass that does not implement `handle`",
    get: "`TypeError` thrown into the task, naming the class",
    error: TypeError,
    cases: [["NoHandle does not implement handle(ctx)", () => inTask(() => new NoHandle())]],
  },
  {
    api: "Task",
    when: '`sleep(ms)` with `ms` negative, `NaN`, `Infinity` or not a number',
    get: "`RangeError` thrown into the task, naming the value",
    error: RangeError,
    cases: [
      ["got -1 (number)", () => inTask(() => sleep(-1))],
      ["got NaN (number)", () => inTask(() => sleep(NaN))],
      ["got Infinity (number)", () => inTask(() => sleep(Infinity))],
      ['got "10" (string)', () => inTask(() => sleep("10" as never))],
    ],
  },
  {
    api: "Task",
    when: "`wait(tid)` on the caller's own tid, an unknown tid, or a value that is not a number",
    get: "`NoSuchTaskError` thrown into the task, naming the tid",
    error: NoSuchTaskError,
    cases: [
      ["no such task #1: a task cannot wait on itself", () => inTask(() => wait(1))],
      ["no such task #999", () => inTask(() => wait(999))],
      ['no such task "2" (string)', () => inTask(() => wait("2" as never))],
    ],
  },
  {
    api: "Task",
    when: "`wait(tid)` on an ended task that is not the caller's child, or on its own child a second time",
    get: "`NoSuchTaskError`: only the parent collects an exit record, once",
    error: NoSuchTaskError,
    cases: [
      [
        "no such task #3: it has ended, and only its parent #1 may collect its result",
        () => {
          const sched = new Scheduler({ clock: new VirtualClock() });
          let error: unknown;
          sched.spawn(function* a() {
            yield* fork(gen);
            yield* sleep(5);
          });
          sched.spawn(function* b() {
            yield* sleep(1);
            try {
              yield* wait(3);
            } catch (e) {
              error = e;
            }
          });
          sched.runSync();
          return error;
        },
      ],
      [
        "no such task #2",
        () =>
          inTask(function* () {
            const kid = yield* fork(gen);
            yield* wait(kid);
            yield* wait(kid);
          }),
      ],
    ],
  },
  {
    api: "Task",
    when: "`kill(tid)` or `pause(tid)` in a task with a tid that is not an integer",
    get: "`TypeError` thrown into the task, naming the value",
    error: TypeError,
    cases: [
      ["got 1.5 (number)", () => inTask(() => kill(1.5))],
      ['got "x" (string)', () => inTask(() => pause("x" as never))],
    ],
  },
  {
    api: "Task",
    when: "`kill(tid)` of an unknown tid, or of a task that already ended",
    get: "`false`",
    error: null,
    cases: [
      [false, () => taskValue(() => kill(999))],
      [
        false,
        () =>
          taskValue(function* () {
            const kid = yield* fork(gen);
            yield* wait(kid);
            return yield* kill(kid);
          }),
      ],
    ],
  },
  {
    api: "Task",
    when: "`submitIO(op)` with an op that is not an object with a string `type`",
    get: "`TypeError` thrown into the task, naming the value",
    error: TypeError,
    cases: [
      ["got null", () => inTask(() => submitIO(null as never))],
      ["got type 7 (number)", () => inTask(() => submitIO({ type: 7 } as never))],
    ],
  },
  {
    api: "Task",
    when: "`submitIO([...])` with more ops than the ring's `entries`",
    get: "`RangeError` thrown into the task, naming the count",
    error: RangeError,
    cases: [["submitIO got 65 ops, more than the ring's 64", () => inTask(() => submitIO(Array.from({ length: 65 }, () => ({ type: "nop" }))))]],
  },
  {
    api: "Task",
    when: "`submitIO(op, options)` with a bad option (`timeout: -1`, `link: \"yes\"`)",
    get: "`RangeError` / `TypeError` thrown into the task, naming the value",
    error: Error,
    cases: [
      ["got -1 (number)", () => inTask(() => submitIO({ type: "nop" }, { timeout: -1 }))],
      ['got "yes" (string)', () => inTask(() => submitIO([{ type: "nop" }], { link: "yes" as never }))],
    ],
  },
  {
    api: "Task",
    when: "`submitIO` of an op type nobody registered",
    get: "the op fails: `TypeError` thrown into the task, naming the type and how to register it",
    error: TypeError,
    cases: [['No handler for op type "ghost": register one with ring.register("ghost", handler)', () => inTask(() => submitIO({ type: "ghost" }))]],
  },
  {
    api: "Task",
    when: "`call(fn)` with `fn` not a function",
    get: "`TypeError` thrown into the task, naming the value",
    error: TypeError,
    cases: [['A "call" op needs a function `fn`, got 5 (number)', () => inTask(() => call(5 as never))]],
  },
  {
    api: "Task",
    when: "`call(fn)` where `fn` throws or its promise rejects",
    get: "that error, thrown into the task",
    error: Error,
    cases: [
      ["thrown inside", () => inTask(() => call(() => {
        throw new Error("thrown inside");
      }))],
    ],
  },
  // ---- Custom syscalls ---------------------------------------------------------------------------
  {
    api: "Custom syscall",
    when: "`ctx.resume()` or `ctx.fail()` called a second time",
    get: "`Error` thrown at the second call, naming the syscall and the task",
    error: Error,
    cases: [
      ['ResumeTwice of task #1 "probe" was already completed', () => thrown(() => inTask(() => new ResumeTwice()))],
      ['FailAfterResume of task #1 "probe" was already completed', () => thrown(() => inTask(() => new FailAfterResume()))],
    ],
  },
  {
    api: "Custom syscall",
    when: "`ctx.resume()` after the task was killed",
    get: "ignored (`ctx.signal` has aborted)",
    error: null,
    cases: [
      [
        "killed",
        () => {
          const sched = new Scheduler({ clock: new VirtualClock() });
          const t = sched.spawn(function* () {
            yield* new Kept();
          });
          sched.spawn(function* () {
            yield* kill(1);
            Kept.last!.resume(5);
          });
          sched.runSync();
          expect(Kept.last!.signal.aborted).toBe(true);
          return t.status;
        },
      ],
    ],
  },
  {
    api: "Custom syscall",
    when: "`handle()` throws before settling",
    get: "that error, thrown into the task",
    error: Error,
    cases: [["handle broke", () => inTask(() => new HandleThrows())]],
  },
  {
    api: "Custom syscall",
    when: "`handle()` throws after settling",
    get: "reported through the `error` event (source names the syscall and task); with no `error` listener, `run()` rejects with it",
    error: Error,
    cases: [
      [
        "thrown after resume",
        () => {
          const sched = new Scheduler({ clock: new VirtualClock() });
          sched.spawn(function* () {
            yield* new ThrowsAfterResume();
          });
          let error: unknown;
          sched.on("error", (e, source) => {
            expect(source).toBe(`ThrowsAfterResume.handle of task #1 "task" threw after completing`);
            error = e;
          });
          sched.runSync();
          return error;
        },
      ],
      [
        "thrown after resume",
        () => {
          const sched = new Scheduler({ clock: new VirtualClock() });
          sched.spawn(function* () {
            yield* new ThrowsAfterResume();
          });
          return sched.run().then(
            () => undefined,
            (e: unknown) => e,
          );
        },
      ],
    ],
  },
  {
    api: "Custom syscall",
    when: "`ctx.after(ms, fn)` with a bad `ms` or a `fn` that is not a function",
    get: "`RangeError` / `TypeError` (thrown by `handle`, so into the task), naming the value",
    error: Error,
    cases: [
      ["got -1 (number)", () => inTask(() => new AfterBadMs())],
      ['got "later" (string)', () => inTask(() => new AfterBadFn())],
    ],
  },
  // ---- Events --------------------------------------------------------------------------------------
  {
    api: "Events",
    when: "a listener throws",
    get: 'reported through the `error` event with source `a "<event>" listener threw`; the loop goes on; with no `error` listener, `run()` rejects with it once it finishes',
    error: Error,
    cases: [
      [
        "listener broke",
        () => {
          const sched = new Scheduler({ clock: new VirtualClock() });
          let error: unknown;
          sched.on("spawn", () => {
            throw new Error("listener broke");
          });
          sched.on("error", (e, source) => {
            expect(source).toBe('a "spawn" listener threw');
            error = e;
          });
          sched.spawn(gen);
          sched.runSync();
          return error;
        },
      ],
      [
        "listener broke",
        async () => {
          const sched = new Scheduler({ clock: new VirtualClock() });
          sched.on("exit", () => {
            throw new Error("listener broke");
          });
          const t = sched.spawn(function* () {
            return "finished";
          });
          const error = await sched.run().then(() => undefined, (e: unknown) => e);
          expect(await t.done).toBe("finished");
          return error;
        },
      ],
    ],
  },
  {
    api: "Events",
    when: "an `error` listener throws",
    get: "swallowed (there is nowhere left to report it); the loop goes on",
    error: null,
    cases: [
      [
        "finished",
        () => {
          const sched = new Scheduler({ clock: new VirtualClock() });
          sched.on("spawn", () => {
            throw new Error("first");
          });
          sched.on("error", () => {
            throw new Error("second");
          });
          sched.spawn(gen);
          sched.runSync();
          return "finished";
        },
      ],
    ],
  },
  // ---- IoRing ---------------------------------------------------------------------------------------
  {
    api: "IoRing",
    when: "`new IoRing(options)` with options that are not an object, or an unknown option",
    get: "`TypeError` naming the value or the key",
    error: TypeError,
    cases: [
      ["got null", () => thrown(() => new IoRing(null as never))],
      ['Unknown IoRing option "entires"', () => thrown(() => new IoRing({ entires: 8 } as never))],
    ],
  },
  {
    api: "IoRing",
    when: "`entries` not a power of two from 1 to 32768, or `cqEntries` not an integer from 1 to 65536",
    get: "`RangeError` naming the value",
    error: RangeError,
    cases: [
      ["got 3 (number)", () => thrown(() => new IoRing({ entries: 3 }))],
      ["got 65536 (number)", () => thrown(() => new IoRing({ entries: 65536 }))],
      ["got 0 (number)", () => thrown(() => new IoRing({ cqEntries: 0 }))],
      ["got 2.5 (number)", () => thrown(() => new IoRing({ cqEntries: 2.5 }))],
    ],
  },
  {
    api: "IoRing",
    when: "`handlers` not an object, a handler not a function, or a handler for a built-in type",
    get: "`TypeError` naming the value; `Error` for a built-in type (`nop`, `call`, `timeout`)",
    error: Error,
    cases: [
      ["got an array of length 0", () => thrown(() => new IoRing({ handlers: [] as never }))],
      ['"x" must be a function, got 1 (number)', () => thrown(() => new IoRing({ handlers: { x: 1 as never } }))],
      ['"nop" is a built-in op type', () => thrown(() => new IoRing({ handlers: { nop: echo } }))],
    ],
  },
  {
    api: "IoRing",
    when: "`clock` that is not a `Clock`",
    get: "`TypeError` naming the value",
    error: TypeError,
    cases: [["got {} (object)", () => thrown(() => new IoRing({ clock: {} as never }))]],
  },
  {
    api: "IoRing",
    when: "`submit(op)` with an op that is not an object with a string `type`, a `call` op without `fn`, a `timeout` op with a bad `ms`",
    get: "`TypeError` / `RangeError` naming the value; nothing is submitted",
    error: Error,
    cases: [
      ["got null", () => thrown(() => new IoRing().submit(null as never))],
      ['got "nop" (string)', () => thrown(() => new IoRing().submit("nop" as never))],
      ["got type 7 (number)", () => thrown(() => new IoRing().submit({ type: 7 } as never))],
      ['A "call" op needs a function `fn`, got undefined', () => thrown(() => new IoRing().submit({ type: "call" }))],
      ["got NaN (number)", () => thrown(() => new IoRing().submit({ type: "timeout", ms: NaN }))],
    ],
  },
  {
    api: "IoRing",
    when: "`submit(op, options)` with options not an object, `timeout` not a finite number >= 0, `link` not a boolean, `signal` not an `AbortSignal`",
    get: "`TypeError` / `RangeError` naming the value; nothing is submitted",
    error: Error,
    cases: [
      ["got null", () => thrown(() => new IoRing().submit({ type: "nop" }, null as never))],
      ["got -1 (number)", () => thrown(() => new IoRing().submit({ type: "nop" }, { timeout: -1 }))],
      ['got "y" (string)', () => thrown(() => new IoRing().submit({ type: "nop" }, { link: "y" as never }))],
      ["got {} (object)", () => thrown(() => new IoRing().submit({ type: "nop" }, { signal: {} as never }))],
    ],
  },
  {
    api: "IoRing",
    when: "`submit` or `submitBatch` when the submission queue has no room",
    get: "`RingFullError` naming the capacity and the op type; a batch is submitted whole or not at all",
    error: RingFullError,
    cases: [
      [
        '(2 entries) when submitting a "call" op',
        () => {
          const ring = new IoRing({ entries: 2 });
          ring.submit({ type: "nop" });
          ring.submit({ type: "nop" });
          return thrown(() => ring.submit({ type: "call", fn: () => 1 }));
        },
      ],
      [
        '(2 entries) when submitting a "nop" op',
        () => {
          const ring = new IoRing({ entries: 2 });
          ring.submit({ type: "nop" });
          const error = thrown(() => ring.submitBatch([{ type: "timeout", ms: 1 }, { type: "nop" }]));
          expect(ring.counters.submitted).toBe(1);
          return error;
        },
      ],
    ],
  },
  {
    api: "IoRing",
    when: "`submitBatch` with something that is not an array, or with a bad item",
    get: "`TypeError` naming the value (prefixed `submitBatch item <i>:` for an item); nothing is submitted",
    error: TypeError,
    cases: [
      ['got "x" (string)', () => thrown(() => new IoRing().submitBatch("x" as never))],
      ["submitBatch item 1: Expected an op or { op, ...options }, got 5 (number)", () => thrown(() => new IoRing().submitBatch([{ type: "nop" }, 5 as never]))],
    ],
  },
  {
    api: "IoRing",
    when: "a `link` chain longer than `cqEntries`",
    get: "`RangeError` at the submit that would make it too long, naming its length and `cqEntries`",
    error: RangeError,
    cases: [
      [
        "A link chain of 3 ops cannot fit the completion queue (cqEntries 2)",
        () => {
          const ring = new IoRing({ entries: 4, cqEntries: 2 });
          ring.submit({ type: "nop" }, { link: true });
          ring.submit({ type: "nop" }, { link: true });
          return thrown(() => ring.submit({ type: "nop" }));
        },
      ],
    ],
  },
  {
    api: "IoRing",
    when: "`register(type, handler)` of a type already registered or built in, a handler that is not a function, a type that is not a string",
    get: "`Error` (taken or built-in type) or `TypeError` (bad handler or type), naming it",
    error: Error,
    cases: [
      ['A handler for op type "echo" is already registered', () => thrown(() => new IoRing({ handlers: { echo } }).register("echo", echo))],
      ['"call" is a built-in op type', () => thrown(() => new IoRing().register("call", echo))],
      ['The handler for op type "x" must be a function, got 5 (number)', () => thrown(() => new IoRing().register("x", 5 as never))],
      ["An op type must be a string, got 5 (number)", () => thrown(() => new IoRing().register(5 as never, echo))],
    ],
  },
  {
    api: "IoRing",
    when: "`cancel(seq)` of an unknown, non-integer or already completed seq",
    get: "`false`",
    error: null,
    cases: [
      [false, () => new IoRing().cancel(999)],
      [false, () => new IoRing().cancel("x" as never)],
      [
        false,
        () => {
          const ring = new IoRing();
          const seq = ring.submit({ type: "nop" });
          ring.enter();
          return ring.cancel(seq);
        },
      ],
    ],
  },
  {
    api: "IoRing",
    when: "`status(seq)` of a seq never issued (0, 999, `\"x\"`)",
    get: '`"unknown"`',
    error: null,
    cases: [
      ["unknown", () => new IoRing().status(0)],
      ["unknown", () => new IoRing().status(999)],
      ["unknown", () => new IoRing().status("x" as never)],
    ],
  },
  {
    api: "IoRing",
    when: "`reap(max)` with `max` negative, `NaN` or not a number",
    get: "`RangeError` naming the value",
    error: RangeError,
    cases: [
      ["got -1 (number)", () => thrown(() => new IoRing().reap(-1))],
      ["got NaN (number)", () => thrown(() => new IoRing().reap(NaN))],
      ['got "2" (string)', () => thrown(() => new IoRing().reap("2" as never))],
    ],
  },
  // ---- Handlers --------------------------------------------------------------------------------------
  {
    api: "Handler",
    when: "a handler throws, or the promise it returns rejects",
    get: "each op of its batch that has not settled fails with that error; `enter()` does not throw",
    error: Error,
    cases: [
      ["handler threw", () => opError({ bad: () => {
        throw new Error("handler threw");
      } }, { type: "bad" })],
      ["handler rejected", () => opError({ bad: async () => {
        throw new Error("handler rejected");
      } }, { type: "bad" })],
    ],
  },
  {
    api: "Handler",
    when: "a handler settles a request twice (`complete` then `complete` or `fail`)",
    get: "the first outcome wins; the later call returns `false` and counts in `counters.ignored`",
    error: null,
    cases: [
      [
        { first: true, second: false, ignored: 1, value: 1 },
        () => {
          const ring = new IoRing({ handlers: { twice: (rs) => void rs.forEach((r) => (first = r.complete(1), second = r.fail(new Error("late")))) } });
          let first: boolean | undefined;
          let second: boolean | undefined;
          ring.submit({ type: "twice" });
          ring.enter();
          return { first, second, ignored: ring.counters.ignored, value: ring.reap()[0].value };
        },
      ],
    ],
  },
  {
    api: "Handler",
    when: "`request.after(ms, fn)` with a bad `ms` or `fn`, or while an `after` is already pending",
    get: "`RangeError` / `TypeError` naming the value, or `Error` naming the op; thrown in the handler, so the op fails with it",
    error: Error,
    cases: [
      ["got -1 (number)", () => opError({ bad: (rs) => rs.forEach((r) => r.after(-1, () => {})) }, { type: "bad" })],
      ['got "x" (string)', () => opError({ bad: (rs) => rs.forEach((r) => r.after(1, "x" as never)) }, { type: "bad" })],
      [
        'op #1 "bad" already waits on after()',
        () => opError({ bad: (rs) => rs.forEach((r) => (r.after(5, () => r.complete(1)), r.after(5, () => {}))) }, { type: "bad" }),
      ],
    ],
  },
  {
    api: "Handler",
    when: "an `after` callback throws",
    get: "the op fails with that error",
    error: Error,
    cases: [["after callback threw", () => opError({ bad: (rs) => rs.forEach((r) => r.after(1, () => {
      throw new Error("after callback threw");
    })) }, { type: "bad" })]],
  },
  // ---- Clocks ---------------------------------------------------------------------------------------
  {
    api: "Clock",
    when: "`new VirtualClock(start)` with `start` not finite; `advance(ms)` with `ms` negative or not finite; `advanceTo(NaN)`",
    get: "`RangeError` naming the value (`advanceTo` an earlier time does nothing: time never goes back)",
    error: RangeError,
    cases: [
      ["got NaN", () => thrown(() => new VirtualClock(NaN))],
      ["got -1", () => thrown(() => new VirtualClock().advance(-1))],
      ["got Infinity", () => thrown(() => new VirtualClock().advance(Infinity))],
      ["got NaN", () => thrown(() => new VirtualClock().advanceTo(NaN))],
    ],
  },
];

describe("bad input catalogue", () => {
  it.each(catalogue.map((row) => [`${row.api}: ${row.when}`, row] as const))("%s", async (_label, row) => {
    for (const [expected, run] of row.cases) {
      const got = await run();
      if (row.error === null) {
        expect(got).toEqual(expected);
        continue;
      }
      expect(got).toBeInstanceOf(row.error);
      expect((got as Error).message).toContain(expected as string);
    }
  });

  it("is mirrored row by row in README's table \"What happens when ...\"", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf("<!-- section:reliability -->"), readme.indexOf("<!-- /section:reliability -->"));
    const rows = section.split("\n").filter((line) => line.startsWith("| ") && !line.startsWith("| ---") && !line.startsWith("| API "));
    expect(rows).toEqual(catalogue.map((row) => `| ${row.api} | ${row.when} | ${row.get} |`));
  });
});
