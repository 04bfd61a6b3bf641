import { describe, expect, it } from "vitest";
import { fork, sleep, submitIO, wait, type TaskInfo } from "../src/index.js";
import { createTestScheduler, formatPs } from "../src/testing/index.js";

describe("formatPs", () => {
  it("formats sched.ps() as a ps-style table with parents, statuses, timing and what each task waits on", async () => {
    const { sched } = createTestScheduler({ io: { llm: { latency: 1_000, result: "ok" } } });
    let table = "";
    sched.spawn(function* supervisor() {
      const kid = yield* fork(function* () {
        yield* sleep(500);
      }, { name: "sleeper" });
      yield* fork(function* () {
        yield* submitIO({ type: "llm" });
      }, { name: "agent", priority: 2 });
      yield* fork(function* () {
        table = formatPs(sched.ps());
      }, { name: "reporter", priority: -1 });
      yield* wait(kid);
    }, { name: "supervisor" });
    await sched.run();
    expect(table).toMatchInlineSnapshot(`
      "TID PPID NAME       STATUS   PRI QUEUED RUNNING SWITCHES WAITING ON
        1    - supervisor waiting    0      0       0        4 wait #2 "sleeper"
        2    1 sleeper    sleeping   0      0       0        1 sleep until 500
        3    1 agent      io         2      0       0        1 io: llm
        4    1 reporter   running   -1      0       0        1"
    `);
  });

  it("right-aligns numbers, shows fractional times to one decimal and prints only a header for no tasks", () => {
    const info: TaskInfo = {
      tid: 12,
      name: "long-running-task",
      parent: null,
      priority: 10,
      caps: null,
      status: "ready",
      created: 0,
      started: 1,
      ended: null,
      timeQueued: 1234.5678,
      timeRunning: 3,
      switches: 1500,
      waitingOn: "",
    };
    expect(formatPs([info]).split("\n")).toEqual([
      "TID PPID NAME              STATUS PRI QUEUED RUNNING SWITCHES WAITING ON",
      " 12    - long-running-task ready   10 1234.6       3     1500",
    ]);
    expect(formatPs([])).toBe("TID PPID NAME STATUS PRI QUEUED RUNNING SWITCHES WAITING ON");
  });
});
