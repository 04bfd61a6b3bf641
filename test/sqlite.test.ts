import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Scheduler, VirtualClock, sleep } from "../src/index.js";
import { DurableEngine, StoreError, call, waitSignal } from "../src/durable/index.js";
import { SqliteStore } from "../src/sqlite/index.js";
import { tempDir } from "./helpers.js";

let dir: { path: string; remove: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await dir.remove();
});

function* order(item: string) {
  const price = yield* call(async (_s: AbortSignal, key: string) => ({ item, key, cents: 1200 }));
  yield* sleep(50);
  const ok = yield* waitSignal<boolean>("approve");
  return ok ? `shipped ${price.item} for ${price.cents} (${price.key})` : "refused";
}

function engineOn(path: string): DurableEngine {
  return new DurableEngine({ store: new SqliteStore(path), workflows: { order }, scheduler: new Scheduler({ clock: new VirtualClock() }) });
}

describe("sqlite", () => {
  it("keeps workflows and journals in a WAL-mode file, and recovers them in a new engine", async () => {
    const file = join(dir.path, "wf.db");
    const e1 = engineOn(file);
    await e1.start("order", ["book"], { id: "o1" });
    for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 0));
    await e1.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    const kinds = db.prepare("SELECT kind FROM yieldos_journal WHERE wf = 'o1' ORDER BY seq").pluck().all();
    db.close();
    expect(kinds).toEqual(["io", "sleep", "sleep"]);
    const e2 = engineOn(file);
    expect(await e2.recover()).toEqual(["o1"]);
    await e2.signal("o1", "approve", true);
    expect(await e2.result("o1")).toBe("shipped book for 1200 (o1:0)");
    expect(await e2.list()).toMatchObject([{ id: "o1", state: "completed" }]);
    await e2.close();
  });

  it("keeps a signal sent while no engine runs the workflow, and delivers it after recover()", async () => {
    const file = join(dir.path, "wf.db");
    const e1 = engineOn(file);
    await e1.start("order", ["pen"], { id: "o2" });
    for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 0));
    await e1.close();
    const e2 = engineOn(file);
    await e2.signal("o2", "approve", false); // not recovered yet: kept in the store's inbox
    await e2.recover();
    expect(await e2.result("o2")).toBe("refused");
    await e2.close();
  });

  it("inbox(id) lists one workflow's pending signals in order; refreshInbox moves them into the running workflow once", async () => {
    const file = join(dir.path, "inbox.db");
    const runner = engineOn(file);
    const sender = engineOn(file);
    const store = new SqliteStore(file);
    await runner.start("order", ["pen"], { id: "o3" });
    await sender.signal("o3", "approve", true);
    await sender.signal("o3", "other", { n: 1 });
    expect(store.inbox("o3").map((i) => [i.name, i.payload])).toEqual([["approve", "true"], ["other", '{"n":1}']]);
    expect(store.inbox("nope")).toEqual([]);
    expect(await runner.refreshInbox("o3")).toBe(2);
    expect(await runner.refreshInbox("o3")).toBe(0);
    expect(await runner.result("o3")).toMatch(/^shipped pen/);
    expect(store.inbox("o3")).toEqual([]);
    expect(store.journal("o3").filter((e) => e.kind === "signal")).toHaveLength(2);
    store.close();
  });

  it("compacts a finished workflow's journal to its result", async () => {
    const file = join(dir.path, "wf.db");
    const store = new SqliteStore(file);
    const engine = new DurableEngine({ store, workflows: { order }, scheduler: new Scheduler({ clock: new VirtualClock() }) });
    await engine.start("order", ["cup"], { id: "o3" });
    await engine.signal("o3", "approve", true);
    const result = await engine.result("o3");
    expect(store.journal("o3").map((e) => e.kind)).toEqual(["signal", "io", "sleep", "sleep"]);
    await engine.compact("o3");
    expect(store.journal("o3")).toEqual([]);
    expect(await engine.result("o3")).toBe(result);
    await engine.close();
  });

  it("fails with a StoreError naming the file when it is not a SQLite database", () => {
    const file = join(dir.path, "junk.db");
    writeFileSync(file, "this is not a database, just some text that is long enough to fill a header page ".repeat(20));
    expect(() => new SqliteStore(file)).toThrow(StoreError);
    expect(() => new SqliteStore(file)).toThrow(/junk\.db.*not a SQLite database/);
  });

  it("rejects a journal with a gap instead of replaying part of it", async () => {
    const file = join(dir.path, "wf.db");
    const e1 = engineOn(file);
    await e1.start("order", ["hat"], { id: "o4" });
    for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 0));
    await e1.close();
    const db = new Database(file);
    db.prepare("DELETE FROM yieldos_journal WHERE wf = 'o4' AND seq = 1").run();
    db.close();
    const e2 = engineOn(file);
    await expect(e2.recover()).rejects.toThrow(/journal of workflow "o4".*corrupt/);
    await e2.close();
  });

  it("fails the engine's calls with a StoreError once the store is closed", async () => {
    const store = new SqliteStore(join(dir.path, "wf.db"));
    store.close();
    const engine = new DurableEngine({ store, workflows: { order } });
    await expect(engine.start("order", ["x"], { id: "z" })).rejects.toThrow(/closed/);
  });
});
