import { describe, expect, it } from "vitest";
import { TaskTable } from "../src/kernel/task-table.js";

describe("TaskTable", () => {
  it("finds records by tid across pages and lists them in tid order", () => {
    const table = new TaskTable<string>();
    for (let tid = 1; tid <= 3000; tid++) table.add(tid, `#${tid}`);
    expect(table.get(1)).toBe("#1");
    expect(table.get(1024)).toBe("#1024");
    expect(table.get(2999)).toBe("#2999");
    for (let tid = 2; tid < 3000; tid++) table.delete(tid);
    expect([...table.values()]).toEqual(["#1", "#3000"]);
    expect(table.get(2)).toBeUndefined();
    table.add(3001, "#3001");
    expect([...table.values()]).toEqual(["#1", "#3000", "#3001"]);
  });

  it("returns undefined for values that are not tids it holds", () => {
    const table = new TaskTable<string>();
    table.add(1, "#1");
    table.add(2, "#2");
    for (const bad of [0, -1, 1.5, NaN, Infinity, 2 ** 40, 3]) expect(table.get(bad)).toBeUndefined();
  });

  it("forgets a page once all of its tids have been made and deleted", () => {
    const table = new TaskTable<string>();
    for (let tid = 1; tid <= 5000; tid++) {
      table.add(tid, `#${tid}`);
      table.delete(tid);
    }
    expect(table.pageCount).toBe(1);
    table.add(5001, "#5001");
    table.add(6000, "#6000");
    expect(table.pageCount).toBe(2);
    expect([...table.values()]).toEqual(["#5001", "#6000"]);
  });
});
