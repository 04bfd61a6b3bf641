import { describe, expect, it } from "vitest";
import { RunQueue } from "../src/kernel/run-queue.js";

type T = { tid: number; priority: number };

describe("RunQueue", () => {
  it("serves the highest priority first, FIFO within one, as levels are added and dropped anywhere", () => {
    const q = new RunQueue<T>();
    const tasks: T[] = [];
    // Levels inserted at the front, the back and the middle, then emptied from the middle.
    for (const [tid, priority] of [[1, 0], [2, 5], [3, -5], [4, 2], [5, 0], [6, 2], [7, -1]]) {
      const t = { tid, priority };
      tasks.push(t);
      q.push(t);
    }
    expect(q.levelCount).toBe(5);
    expect(q.remove(tasks[3])).toBe(true);
    expect(q.remove(tasks[5])).toBe(true); // level 2 is now empty and dropped
    expect(q.levelCount).toBe(4);
    const order: number[] = [];
    for (let t = q.shift(); t !== undefined; t = q.shift()) order.push(t.tid);
    expect(order).toEqual([2, 1, 5, 7, 3]);
    expect(q.levelCount).toBe(0);
    // Empty and refilled many times (as in fork+wait): each refill reuses a level.
    for (let i = 0; i < 100; i++) {
      q.push({ tid: i, priority: i % 3 });
      expect(q.shift()?.tid).toBe(i);
      expect(q.size).toBe(0);
    }
  });
});
