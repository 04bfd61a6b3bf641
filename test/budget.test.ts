import { describe, expect, it } from "vitest";
import { BudgetExceededError, Scheduler, fork, getTid, submitIO, wait } from "../src/index.js";
import { virtualScheduler } from "./helpers.js";

describe("budgets", () => {
  it("throw BudgetExceededError naming budget, limit and tid at the offending syscall", () => {
    const { sched } = virtualScheduler();
    const t = sched.spawn(
      function* agent() {
        const errors: string[] = [];
        for (let i = 0; i < 3; i++) {
          try {
            yield* fork(function* () {});
          } catch (e) {
            expect(e).toBeInstanceOf(BudgetExceededError);
            errors.push((e as Error).message);
          }
        }
        try {
          yield* submitIO([{ type: "nop" }, { type: "nop" }]);
        } catch (e) {
          errors.push((e as Error).message);
        }
        return errors;
      },
      { budget: { maxChildren: 2, maxIo: 1 } },
    );
    sched.runSync();
    return expect(t.done).resolves.toEqual([
      'task #1 "agent" exceeded maxChildren (limit 2)',
      'task #1 "agent" exceeded maxIo (limit 1)',
    ]);
  });

  it("count every syscall against maxSyscalls, but not bare yields", () => {
    const { sched } = virtualScheduler();
    let made = 0;
    const t = sched.spawn(
      function* () {
        for (;;) {
          yield;
          yield* getTid();
          made++;
        }
      },
      { budget: { maxSyscalls: 3 } },
    );
    expect(() => sched.runSync()).toThrow(BudgetExceededError);
    expect(made).toBe(3);
    return expect(t.done).rejects.toMatchObject({ budget: "maxSyscalls", limit: 3, tid: 1 });
  });

  it("let a child share its parent's budget, and name the ancestor whose limit ran out", () => {
    const { sched } = virtualScheduler();
    const t = sched.spawn(
      function* () {
        yield* submitIO({ type: "nop" });
        const kid = yield* fork(function* child() {
          yield* submitIO({ type: "nop" });
          yield* submitIO({ type: "nop" });
        });
        try {
          yield* wait(kid);
        } catch (e) {
          return (e as Error).message;
        }
        return "no error";
      },
      { budget: { maxIo: 2 } },
    );
    sched.runSync();
    return expect(t.done).resolves.toBe('task #2 "child" exceeded maxIo of the budget of its ancestor #1 "task" (limit 2, shared by its descendants)');
  });

  it("kill a task that runs over maxRunTime", async () => {
    const sched = new Scheduler();
    const t = sched.spawn(
      function* spinner() {
        for (;;) {
          const end = performance.now() + 2;
          while (performance.now() < end);
          yield;
        }
      },
      { budget: { maxRunTime: 10 } },
    );
    await sched.run();
    expect(t.status).toBe("killed");
    const e = await t.done.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BudgetExceededError);
    expect(String(e)).toMatch(/exceeded maxRunTime \(limit 10\)/);
  });

  it("reject a budget of -1 or an unknown budget at spawn", () => {
    const { sched } = virtualScheduler();
    expect(() => sched.spawn(function* () {}, { budget: { maxIo: -1 } })).toThrow(/budget.maxIo must be a number >= 0 .*got -1/);
    expect(() => sched.spawn(function* () {}, { budget: { maxTokens: 5 } as never })).toThrow(/unknown budget "maxTokens"/);
  });
});
