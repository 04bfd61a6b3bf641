import { describe, expect, it } from "vitest";
import { DeadlockError, pause, resume, sleep, type WakeEvent } from "../src/index.js";
import { virtualScheduler } from "./helpers.js";

describe("pause and resume", () => {
  it("never schedule a paused task, and run it again on resume", () => {
    const { sched } = virtualScheduler();
    const order: string[] = [];
    const worker = sched.spawn(function* () {
      for (let i = 0; i < 3; i++) {
        order.push(`w${i}@${sched.now()}`);
        yield;
      }
    });
    sched.spawn(function* () {
      yield;
      order.push(`pause -> ${yield* pause(worker.tid)}`);
      order.push(`pause again -> ${yield* pause(worker.tid)}`);
      yield* sleep(50);
      order.push(`status ${sched.ps().find((p) => p.tid === worker.tid)?.status}`);
      order.push(`resume -> ${yield* resume(worker.tid)}`);
    });
    sched.runSync();
    expect(order).toEqual(["w0@0", "w1@0", "pause -> true", "pause again -> false", "status paused", "w2@50", "resume -> true"]);
  });

  it("delivers a sleep that ends while paused on resume", async () => {
    const { sched } = virtualScheduler();
    const t = sched.spawn(function* sleeper() {
      yield* sleep(10);
      return sched.now();
    });
    sched.spawn(function* () {
      yield* pause(t.tid);
      yield* sleep(100);
      expect(sched.ps()[0].status).toBe("paused");
      yield* resume(t.tid);
    });
    await sched.run();
    expect(await t.done).toBe(100);
  });

  it("let a task pause itself until someone resumes it from outside", async () => {
    const { sched } = virtualScheduler();
    const t = sched.spawn(function* () {
      yield* pause(1);
      return "resumed";
    });
    const done = sched.run().catch((e) => e);
    expect(await done).toBeInstanceOf(DeadlockError);
    expect(sched.ps()[0]).toMatchObject({ status: "paused", waitingOn: "paused: resume it to continue" });
    expect(sched.resume(t.tid)).toBe(true);
    expect(sched.resume(t.tid)).toBe(false);
    await sched.run();
    expect(await t.done).toBe("resumed");
  });

  it("kill a paused task, running its finally", async () => {
    const { sched } = virtualScheduler();
    const cleaned: number[] = [];
    const t = sched.spawn(function* () {
      try {
        yield* sleep(5);
      } finally {
        cleaned.push(sched.now());
      }
    });
    sched.spawn(function* () {
      yield* sleep(1);
      expect(sched.pause(t.tid)).toBe(true);
      yield* sleep(19);
      sched.kill(t.tid);
    });
    await sched.run();
    expect(t.status).toBe("killed");
    expect(cleaned).toEqual([20]);
  });

  it("report each syscall's outcome through the wake event", () => {
    const { sched } = virtualScheduler();
    const wakes: string[] = [];
    sched.on("wake", (tid: number, e: WakeEvent) => wakes.push(`#${tid} ${e.from} ${e.ok} ${String(e.value)} @${e.time}`));
    sched.spawn(function* () {
      yield* sleep(5);
      yield* pause(99);
      try {
        yield* sleep(-1);
      } catch {
        // reported
      }
    });
    sched.runSync();
    expect(wakes).toEqual([
      "#1 sleeping true undefined @5",
      "#1 running true false @5",
      "#1 running false RangeError: sleep(ms) must be a finite number of ms >= 0, got -1 (number) @5",
    ]);
  });
});
