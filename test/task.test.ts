import { describe, expect, it } from "vitest";
import { Resume, Task } from "../src/kernel/task.js";
import { TaskTable, Time } from "../src/kernel/task-table.js";

function* idle(): Generator<unknown, void, unknown> {}

describe("Task", () => {
  it("keeps mode, native and off independent although they share one flags field", () => {
    const task = new Task(1, "t", idle(), 0, null);
    expect([task.mode, task.native, task.off]).toEqual([Resume.Next, false, false]);
    for (const mode of [Resume.Next, Resume.Throw, Resume.Return]) {
      for (const native of [false, true]) {
        for (const off of [false, true]) {
          task.mode = mode;
          task.native = native;
          task.off = off;
          expect([task.mode, task.native, task.off]).toEqual([mode, native, off]);
          task.off = !off;
          task.native = !native;
          expect(task.mode).toBe(mode);
        }
      }
    }
  });

  it("keeps its status apart from mode, native and off in the same flags field", () => {
    const task = new Task(1, "t", idle(), 0, null);
    expect(task.status).toBe("ready");
    const statuses = ["ready", "running", "sleeping", "waiting", "io", "syscall", "paused", "exited", "failed", "killed"] as const;
    for (const status of statuses) {
      task.mode = Resume.Return;
      task.native = true;
      task.off = true;
      task.status = status;
      expect([task.status, task.mode, task.native, task.off]).toEqual([status, Resume.Return, true, true]);
      task.mode = Resume.Next;
      task.native = false;
      task.off = false;
      expect(task.status).toBe(status);
    }
    expect(Object.keys(task)).not.toContain("status");
  });

  it("reports running time kept in the task table, not on the task", () => {
    const table = new TaskTable<Task>();
    const task = new Task(7, "t", idle(), 0, null);
    table.add(7, task);
    table.addTime(7, Time.Running, 0.25);
    table.addTime(7, Time.Running, 0.5);
    expect(task.info("", 10, table).timeRunning).toBe(0.75);
    expect(Object.keys(task)).not.toContain("timeRunning");
  });
});
