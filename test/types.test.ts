import { describe, expectTypeOf, it } from "vitest";
import { Scheduler, Syscall, call, fork, getTid, sleep, submitIO, wait, type SyscallContext, type TaskHandle, type Tid } from "../src/index.js";

// These checks run under `tsc --noEmit` (part of `npm test`); the runtime part only keeps vitest happy.
describe("types", () => {
  it("type yield* results of built-in and custom syscalls", () => {
    class Ask extends Syscall<{ answer: string }> {
      override handle(ctx: SyscallContext<{ answer: string }>): void {
        ctx.resume({ answer: "yes" });
      }
    }
    function* child(n: number) {
      yield* sleep(1);
      return n * 2;
    }
    function* main() {
      const me = yield* getTid();
      expectTypeOf(me).toEqualTypeOf<number>();
      const nothing = yield* sleep(1);
      expectTypeOf(nothing).toEqualTypeOf<void>();
      const kid = yield* fork(child(21));
      expectTypeOf(kid).toEqualTypeOf<Tid<number>>();
      const answer = yield* wait(kid);
      expectTypeOf(answer).toEqualTypeOf<number>();
      const custom = yield* new Ask();
      expectTypeOf(custom).toEqualTypeOf<{ answer: string }>();
      const fetched = yield* call(async () => "body");
      expectTypeOf(fetched).toEqualTypeOf<string>();
      const many = yield* submitIO<[number, string]>([{ type: "nop" }, { type: "nop" }]);
      expectTypeOf(many).toEqualTypeOf<[number, string]>();
      const plain: number = kid; // a Tid is a number
      const untyped = yield* wait(plain);
      expectTypeOf(untyped).toEqualTypeOf<unknown>();
      return `${me}:${answer}`;
    }
    const handle = new Scheduler().spawn(main);
    expectTypeOf(handle).toEqualTypeOf<TaskHandle<string>>();
    expectTypeOf(handle.done).resolves.toEqualTypeOf<string>();
  });

  it("reject wrong uses at compile time", () => {
    const sched = new Scheduler();
    // @ts-expect-error a number is not a task
    expectTypeOf(() => sched.spawn(42)).toBeFunction();
    // @ts-expect-error sleep takes a number of ms
    expectTypeOf(() => sleep("10")).toBeFunction();
    class Num extends Syscall<number> {
      override handle(ctx: SyscallContext<number>): void {
        // @ts-expect-error the result type is number
        ctx.resume("not a number");
      }
    }
    expectTypeOf(new Num()).toMatchTypeOf<Syscall<number>>();
    // @ts-expect-error unknown events are rejected
    expectTypeOf(() => sched.on("no-such-event", () => {})).toBeFunction();
  });

  it("types a handle's tid with the task's result, so a wait on it from another task is typed", () => {
    const sched = new Scheduler();
    const h = sched.spawn(function* () {
      return 42;
    });
    expectTypeOf(h.tid).toEqualTypeOf<Tid<number>>();
    sched.spawn(function* () {
      const n = yield* wait(h.tid);
      expectTypeOf(n).toEqualTypeOf<number>();
    });
  });
});
