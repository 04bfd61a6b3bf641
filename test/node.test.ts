import type { Dirent, Stats } from "node:fs";
import { mkdir as mkdirP, readFile as readText, readdir as list, stat as statP, writeFile as writeText } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from "vitest";
import { IoRing, Scheduler, VirtualClock, submitIO } from "../src/index.js";
import { FsError, fsHandlers, fsOps, registerFs } from "../src/node/index.js";
import { tempDir } from "./helpers.js";

let dir: { path: string; remove: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await dir.remove();
});

/** Runs `body` as one task on a scheduler with the fs handlers, and returns its result. */
async function inTask<T>(body: () => Generator<unknown, T, any>): Promise<T> {
  const sched = new Scheduler({ clock: new VirtualClock() });
  registerFs(sched);
  const task = sched.spawn(body);
  await sched.run().catch(() => {});
  return task.done;
}

const tempFiles = async (path: string) => (await list(path)).filter((n) => n.endsWith(".tmp"));

describe("yieldos/node", () => {
  it("reads a file as a typed string or Buffer", async () => {
    const file = join(dir.path, "a.txt");
    await writeText(file, "héllo");
    const [text, bytes] = await inTask(function* () {
      const text = yield* submitIO(fsOps.readFile(file, "utf8"));
      const bytes = yield* submitIO(fsOps.readFile(file));
      expectTypeOf(text).toEqualTypeOf<string>();
      expectTypeOf(bytes).toEqualTypeOf<Buffer>();
      return [text, bytes] as const;
    });
    expect(text).toBe("héllo");
    expect(Buffer.isBuffer(bytes) && bytes.toString("utf8")).toBe("héllo");
  });

  it("writes, appends, stats, lists, makes and removes, all typed", async () => {
    const nested = join(dir.path, "x", "y", "z");
    const file = join(nested, "log.txt");
    const result = await inTask(function* () {
      const made = yield* submitIO(fsOps.mkdir(nested));
      yield* submitIO(fsOps.mkdir(nested)); // again: mkdir -p does not fail
      yield* submitIO(fsOps.writeFile(file, "one\n"));
      yield* submitIO(fsOps.appendFile(file, "two\n"));
      yield* submitIO(fsOps.appendFile(join(nested, "new.txt"), Buffer.from("created")));
      const [info, names, entries] = yield* submitIO([fsOps.stat(file), fsOps.readdir(nested), fsOps.readdir(nested, { withFileTypes: true })]);
      expectTypeOf(info).toEqualTypeOf<Stats>();
      expectTypeOf(names).toEqualTypeOf<string[]>();
      expectTypeOf(entries).toEqualTypeOf<Dirent[]>();
      expectTypeOf(made).toEqualTypeOf<string | undefined>();
      const text = yield* submitIO(fsOps.readFile(file, "utf8"));
      yield* submitIO(fsOps.rm(join(nested, "new.txt")));
      yield* submitIO(fsOps.rm(join(dir.path, "x"), { recursive: true }));
      yield* submitIO(fsOps.rm(join(dir.path, "never-there"), { force: true }));
      return { made, size: info.size, isFile: info.isFile(), names: [...names].sort(), kinds: entries.map((e) => e.isFile()), text };
    });
    expect(result).toEqual({ made: join(dir.path, "x"), size: 8, isFile: true, names: ["log.txt", "new.txt"], kinds: [true, true], text: "one\ntwo\n" });
    expect(await list(dir.path)).toEqual([]);
  });

  it("keeps Node's code on a missing file and names the op and the path", async () => {
    const missing = join(dir.path, "nope.txt");
    const error = await inTask(function* () {
      try {
        yield* submitIO(fsOps.readFile(missing, "utf8"));
      } catch (e) {
        return e;
      }
    });
    expect(error).toBeInstanceOf(FsError);
    expect(error).toMatchObject({ code: "ENOENT", syscall: "open", op: "fs.readFile", path: missing });
    expect((error as Error).message).toContain(`fs.readFile ${JSON.stringify(missing)} failed: ENOENT`);
    expect((error as Error).cause).toMatchObject({ code: "ENOENT" });
  });

  it("writes atomically: no temp file left, and readers never see a half-written target", async () => {
    const file = join(dir.path, "big.txt");
    const size = 2 * 1024 * 1024;
    await writeText(file, "a".repeat(size));
    let reading = true;
    const seen = new Set<string>();
    const reader = (async () => {
      while (reading) {
        const text = await readText(file, "utf8");
        expect(text.length).toBe(size);
        expect(text).toBe(text[0].repeat(size));
        seen.add(text[0]);
      }
    })();
    const sched = new Scheduler();
    registerFs(sched);
    sched.spawn(function* () {
      for (const ch of "bcdefgh") yield* submitIO(fsOps.writeFile(file, ch.repeat(size)));
    });
    await sched.run();
    reading = false;
    await reader;
    expect(await readText(file, "utf8")).toBe("h".repeat(size));
    expect(seen.size).toBeGreaterThan(0);
    expect(await list(dir.path)).toEqual(["big.txt"]);
  });

  it("keeps the mode of the file it replaces", async () => {
    const file = join(dir.path, "run.sh");
    await writeText(file, "old", { mode: 0o750 });
    await inTask(function* () {
      yield* submitIO(fsOps.writeFile(file, "new"));
    });
    expect((await statP(file)).mode & 0o777).toBe(0o750);
  });

  it("removes the temp file and leaves the target alone when the rename fails", async () => {
    const target = join(dir.path, "taken");
    await mkdirP(join(target, "inner"), { recursive: true });
    const error = await inTask(function* () {
      try {
        yield* submitIO(fsOps.writeFile(target, "data"));
      } catch (e) {
        return e;
      }
    });
    expect(error).toMatchObject({ name: "FsError", op: "fs.writeFile", path: target, syscall: "rename" });
    expect(await tempFiles(dir.path)).toEqual([]);
    expect(await list(target)).toEqual(["inner"]);
  });

  it("aborts a write when its task is killed, leaving neither the target nor a temp file", async () => {
    const file = join(dir.path, "huge.bin");
    const sched = new Scheduler();
    registerFs(sched);
    const task = sched.spawn(function* () {
      yield* submitIO(fsOps.writeFile(file, Buffer.alloc(64 * 1024 * 1024)));
    });
    const running = sched.run();
    while ((await tempFiles(dir.path)).length === 0) await new Promise((r) => setImmediate(r));
    sched.kill(task.tid, "enough");
    await running;
    expect(task.status).toBe("killed");
    for (let i = 0; i < 200 && (await list(dir.path)).length > 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(await list(dir.path)).toEqual([]);
  });

  it("serves a standalone ring through fsHandlers, one handler call per op type per enter", async () => {
    const file = join(dir.path, "s.txt");
    await writeText(file, "standalone");
    const handlers = fsHandlers();
    const calls: number[] = [];
    const readFile = handlers["fs.readFile"];
    const ring = new IoRing({ handlers: { ...handlers, "fs.readFile": (rs) => (calls.push(rs.length), readFile(rs)) } });
    ring.submit(fsOps.readFile(file, "utf8"), { userData: 1 });
    ring.submit(fsOps.readFile(file, "utf8"), { userData: 2 });
    ring.submit(fsOps.stat(file), { userData: 3 });
    ring.enter();
    const done = [];
    while (done.length < 3) {
      await ring.wait();
      done.push(...ring.reap());
    }
    expect(calls).toEqual([2]);
    expect(done.map((c) => c.userData).sort()).toEqual([1, 2, 3]);
    expect(done.find((c) => c.userData === 1)?.value).toBe("standalone");
    expect(() => registerFs(ring)).toThrow(/"fs\.readFile" is already registered/);
  });

  it("rejects a bad path or data when the op is built, naming the value", () => {
    expect(() => fsOps.readFile(42 as never)).toThrow(/fsOps\.readFile expects a non-empty path string, got 42 \(number\)/);
    expect(() => fsOps.writeFile("a", { text: "x" } as never)).toThrow(/fsOps\.writeFile expects data .*\{"text":"x"\}/);
  });
});
