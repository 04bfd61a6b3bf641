import { constants } from "node:fs";
import { mkdir, readFile, realpath, rename, stat, symlink, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CapSet, CapabilityDeniedError, IoRing, confineOp, type IoOp } from "../src/index.js";
import { admitOp, recheckInFlight, revokeCap } from "../src/caps/gate.js";
import { FsError, fsHandlers, realCaps, resolveForCheck } from "../src/node/index.js";
import { openVerified } from "../src/node/confined-open.js";
import { tempDir } from "./helpers.js";

let tmp: { path: string; remove: () => Promise<void> };
/** The real temp root, the granted directory in it, and a directory outside the grant. */
let T: string;
let G: string;
let OUT: string;
let caps: CapSet;

beforeAll(async () => {
  tmp = await tempDir();
  T = await realpath(tmp.path);
  G = `${T}/granted`;
  OUT = `${T}/outside`;
  await mkdir(`${G}/sub`, { recursive: true });
  await mkdir(OUT);
  await mkdir(`${T}/grantedX`);
  await writeFile(`${G}/file.txt`, "inside");
  await writeFile(`${G}/sub/inner.txt`, "inner");
  await writeFile(`${OUT}/secret.txt`, "secret");
  await writeFile(`${OUT}/inner.txt`, "outside inner");
  await writeFile(`${T}/grantedX/file.txt`, "sibling");
  await symlink(`${G}/file.txt`, `${G}/link-in`);
  await symlink(`${OUT}/secret.txt`, `${G}/link-out-file`);
  await symlink(OUT, `${G}/link-out-dir`);
  await symlink("../outside", `${G}/rel-link-out`);
  caps = CapSet.parse([`fs.*:${G}`]);
  // Created after the grant: a grant is a path prefix, checked at each op, not a snapshot.
  await symlink(OUT, `${G}/late-link-out`);
  await symlink(`${OUT}/secret.txt`, `${G}/late-file-out`);
});
afterAll(async () => {
  await tmp.remove();
});

const ring = new IoRing({ handlers: fsHandlers(), cqEntries: 64 });

/**
 * Submits `op` as the kernel will for a task holding `held`: the lexical check of `admitOp`
 * first (a refusal there is a denial before any handler runs), then the ring with the fs
 * handlers, which resolve and check the real path.
 */
async function attempt(op: IoOp, options: { cwd?: string; held?: CapSet; gate?: boolean } = {}): Promise<{ ok: boolean; value?: unknown; error?: unknown; at?: "gate" | "handler" }> {
  const task = { tid: 7, name: "researcher", cwd: options.cwd ?? G };
  let admitted: IoOp;
  try {
    admitted = options.gate === false ? confineOp(op, { ...task, caps: options.held ?? caps }) : admitOp(options.held ?? caps, op, task);
  } catch (error) {
    return { ok: false, error, at: "gate" };
  }
  const seq = ring.submit(admitted);
  ring.enter();
  for (;;) {
    await ring.wait();
    const c = ring.reap().find((x) => x.seq === seq);
    if (c !== undefined) return c.ok ? { ok: true, value: c.value } : { ok: false, error: c.error, at: "handler" };
  }
}

const read = (path: string): IoOp => ({ type: "fs.readFile", path, encoding: "utf8" });
const denied = (r: { ok: boolean; error?: unknown }) => !r.ok && r.error instanceof CapabilityDeniedError;

describe("caps path confinement", () => {
  const escapes: Array<[string, () => IoOp, string?]> = [
    ["a relative .. sequence", () => read("../outside/secret.txt")],
    ["a .. sequence through a subdirectory", () => read("sub/../../outside/secret.txt")],
    ["an absolute path through ..", () => read(`${G}/../outside/secret.txt`)],
    ["an absolute path elsewhere", () => read(`${OUT}/secret.txt`)],
    ["a sibling whose name starts with the grant's", () => read(`${T}/grantedX/file.txt`)],
    ["a file symlink pointing out", () => read("link-out-file")],
    ["a directory symlink pointing out", () => read("link-out-dir/secret.txt")],
    ["a relative directory symlink pointing out", () => read("rel-link-out/secret.txt")],
    ["a file symlink created after the grant", () => read("late-file-out")],
    ["a directory symlink created after the grant", () => read("late-link-out/secret.txt")],
    ["a .. after a symlink, taken physically", () => read("link-out-dir/../outside/secret.txt")],
    ["a symlink reached through ..", () => read("sub/../link-out-file")],
    ["a trailing slash on a directory symlink", () => ({ type: "fs.readdir", path: "link-out-dir/" })],
    ["repeated trailing slashes", () => ({ type: "fs.readdir", path: "sub/../../outside//" })],
    ["stat through a directory symlink", () => ({ type: "fs.stat", path: "link-out-dir/secret.txt" })],
    ["a root path", () => ({ type: "fs.readdir", path: "/" })],
  ];

  for (const [what, op] of escapes) {
    it(`refuses ${what}`, async () => {
      // The handler alone refuses it too: the gate's lexical check is a second line, not the only one.
      expect(denied(await attempt(op(), { gate: false }))).toBe(true);
      const r = await attempt(op());
      expect(denied(r), String(r.error ?? r.value)).toBe(true);
      const e = r.error as CapabilityDeniedError;
      expect(e.tid).toBe(7);
      expect(e.message).toContain('task #7 "researcher" may not fs.');
      // The path named in the refusal is where the op would have gone: outside the grant.
      expect(e.target === G || e.target?.startsWith(`${G}/`)).toBe(false);
    });
  }

  it("refuses a working directory that is a symlink pointing out", async () => {
    const r = await attempt(read("secret.txt"), { cwd: `${G}/link-out-dir` });
    expect(denied(r)).toBe(true);
    expect((r.error as CapabilityDeniedError).target).toBe(`${OUT}/secret.txt`);
  });

  it("refuses writes that would land outside, and creates nothing there", async () => {
    const tries: IoOp[] = [
      { type: "fs.writeFile", path: "../outside/new1.txt", data: "x" },
      { type: "fs.writeFile", path: "link-out-dir/new2.txt", data: "x" },
      { type: "fs.appendFile", path: "link-out-dir/new3.txt", data: "x" },
      { type: "fs.appendFile", path: "link-out-file", data: "x" },
      { type: "fs.mkdir", path: "link-out-dir/newdir/deeper" },
      { type: "fs.mkdir", path: "late-link-out/newdir2" },
      { type: "fs.rm", path: "link-out-dir/secret.txt" },
      { type: "fs.rm", path: "../outside", recursive: true },
      { type: "fs.rm", path: "rel-link-out/inner.txt", force: true },
    ];
    for (const op of tries) {
      for (const gate of [false, true]) {
        const r = await attempt(op, { gate });
        expect(denied(r), `${op.type} ${String(op.path)}: ${String(r.error)}`).toBe(true);
      }
    }
    for (const name of ["new1.txt", "new2.txt", "new3.txt", "newdir", "newdir2"]) {
      await expect(stat(`${OUT}/${name}`)).rejects.toMatchObject({ code: "ENOENT" });
    }
    expect(await readFile(`${OUT}/secret.txt`, "utf8")).toBe("secret");
    expect(await readFile(`${OUT}/inner.txt`, "utf8")).toBe("outside inner");
  });

  it("refuses .. below a directory that does not exist yet", async () => {
    const r = await attempt({ type: "fs.mkdir", path: `${G}/missing/../../outside/x` });
    expect(r.ok).toBe(false);
    await expect(stat(`${OUT}/x`)).rejects.toMatchObject({ code: "ENOENT" });
  });

  const badPaths: Array<[string, string, string]> = [
    ["an empty path", "", "EINVAL"],
    ["a NUL character", "file.txt\0../../etc/passwd", "EINVAL"],
    ["a path over PATH_MAX", "a/".repeat(2100), "ENAMETOOLONG"],
    ["a component over NAME_MAX", "x".repeat(300), "ENAMETOOLONG"],
  ];
  for (const [what, path, code] of badPaths) {
    it(`refuses ${what} with a clear error`, async () => {
      const r = await attempt(read(path));
      expect(r.ok).toBe(false);
      expect(r.error).toBeInstanceOf(FsError);
      expect((r.error as FsError).code).toBe(code);
      expect((r.error as FsError).message).toMatch(/empty|NUL|bytes/);
    });
  }

  it("serves every legitimate path inside the grant", async () => {
    const ok: Array<[IoOp, unknown, string?]> = [
      [read("file.txt"), "inside"],
      [read(`${G}/file.txt`), "inside"],
      [read("./sub/../file.txt"), "inside"],
      [read("sub//inner.txt"), "inner"],
      [read("link-in"), "inside"],
      [read("../file.txt"), "inside", `${G}/sub`],
      [{ type: "fs.readdir", path: "sub/" }, ["inner.txt"]],
      [{ type: "fs.mkdir", path: "made/deep" }, `${G}/made`],
      [{ type: "fs.writeFile", path: "made/deep/a.txt", data: "A" }, undefined],
      [{ type: "fs.appendFile", path: "made/deep/a.txt", data: "B" }, undefined],
      [{ type: "fs.appendFile", path: "made/new.log", data: "L" }, undefined],
      [read("made/deep/a.txt"), "AB"],
      [{ type: "fs.rm", path: "made", recursive: true }, undefined],
    ];
    for (const [op, expected, cwd] of ok) {
      const r = await attempt(op, { cwd });
      expect(r.ok, `${op.type} ${String(op.path)}: ${String(r.error)}`).toBe(true);
      expect(r.value).toEqual(expected);
    }
    const info = await attempt({ type: "fs.stat", path: "sub" });
    expect((info.value as { isDirectory(): boolean }).isDirectory()).toBe(true);
    const entries = await attempt({ type: "fs.readdir", path: ".", withFileTypes: true });
    const file = (entries.value as Array<{ name: string; parentPath: string }>).find((e) => e.name === "file.txt");
    expect(file?.parentPath).toBe(G);
  });

  it("writes over a symlink inside by replacing the link, never through it", async () => {
    await symlink(`${OUT}/secret.txt`, `${G}/to-replace`);
    expect((await attempt({ type: "fs.writeFile", path: "to-replace", data: "mine" })).ok).toBe(true);
    expect(await readFile(`${G}/to-replace`, "utf8")).toBe("mine");
    expect(await readFile(`${OUT}/secret.txt`, "utf8")).toBe("secret");
    await symlink(`${OUT}/secret.txt`, `${G}/to-remove`);
    expect((await attempt({ type: "fs.rm", path: "to-remove" })).ok).toBe(true);
    expect(await readFile(`${OUT}/secret.txt`, "utf8")).toBe("secret");
  });

  it("narrows by op and by file: a read grant on one file reads only it", async () => {
    const held = CapSet.parse([`fs.read:${G}/file.txt`]);
    expect((await attempt(read("file.txt"), { held })).value).toBe("inside");
    expect(denied(await attempt(read("sub/inner.txt"), { held }))).toBe(true);
    expect(denied(await attempt({ type: "fs.writeFile", path: "file.txt", data: "x" }, { held }))).toBe(true);
    expect(await readFile(`${G}/file.txt`, "utf8")).toBe("inside");
  });

  it("refuses at the gate, before any handler, what is outside even lexically", async () => {
    const r = await attempt(read("../outside/secret.txt"));
    expect(r.at).toBe("gate");
    const late = await attempt(read("link-out-dir/secret.txt"));
    expect(late.at).toBe("handler");
  });

  it("matches grants written through a symlink once realCaps adds their real path", async () => {
    await symlink(G, `${T}/alias`);
    const written = CapSet.parse([`fs.read:${T}/alias`]);
    expect(denied(await attempt(read(`${T}/alias/file.txt`), { held: written }))).toBe(true);
    const real = await realCaps([`fs.read:${T}/alias`]);
    expect(real.describe()).toEqual([`fs.read:${T}/alias`, `fs.read:${G}`]);
    expect((await attempt(read(`${T}/alias/file.txt`), { held: real })).value).toBe("inside");
  });
});

describe("caps revocation of ops in flight", () => {
  it("refuses an op in flight whose real path a revoke took away, though its written path is still granted", async () => {
    const task = { tid: 7, name: "researcher", cwd: G };
    const held = CapSet.parse([`fs.read:${G}`]);
    const op = admitOp(held, read("link-in"), task);
    const seq = ring.submit(op);
    ring.enter(); // the handler has started: it is resolving the path
    const after = revokeCap(held, `fs.read:${G}/file.txt`);
    expect(recheckInFlight(after, op, task)).toBe(true); // "link-in" itself is still granted
    let c;
    while ((c = ring.reap().find((x) => x.seq === seq)) === undefined) await ring.wait();
    expect(c.error).toBeInstanceOf(CapabilityDeniedError);
    expect((c.error as CapabilityDeniedError).target).toBe(`${G}/file.txt`);
  });
});

describe("caps symlink swaps between check and use", () => {
  const allow = (real: string) => {
    if (!caps.allows("fs.readFile", real)) throw new CapabilityDeniedError({ tid: 7, taskName: "r", action: "fs.readFile", target: real, capability: `fs.readFile:${real}`, held: caps.describe() });
  };

  it("refuses a file whose directory was swapped for a symlink after the check", async () => {
    await mkdir(`${G}/swapdir`);
    await writeFile(`${G}/swapdir/inner.txt`, "inside");
    const resolved = await resolveForCheck("swapdir/inner.txt", G);
    expect(caps.allows("fs.readFile", resolved)).toBe(true);
    await rename(`${G}/swapdir`, `${G}/swapdir.bak`);
    await symlink(OUT, `${G}/swapdir`);
    await expect(openVerified(resolved, constants.O_RDONLY, undefined, allow)).rejects.toBeInstanceOf(CapabilityDeniedError);
  });

  it("refuses a file that was swapped for a symlink after the check", async () => {
    await writeFile(`${G}/swapfile.txt`, "inside");
    const resolved = await resolveForCheck("swapfile.txt", G);
    await rename(`${G}/swapfile.txt`, `${G}/swapfile.bak`);
    await symlink(`${OUT}/secret.txt`, `${G}/swapfile.txt`);
    await expect(openVerified(resolved, constants.O_RDONLY, undefined, allow)).rejects.toMatchObject({ code: "ELOOP" });
  });
});

describe("caps symlink swap races", () => {
  /**
   * Flips `${G}/${name}` between a real directory inside the grant and a symlink to OUT, as fast
   * as renames go, until `stop()`; the fs work of the ops under test runs in between.
   */
  async function flipper(name: string): Promise<{ stop: () => Promise<number> }> {
    const real = `${G}/${name}.dir`;
    const link = `${G}/${name}.link`;
    await mkdir(real);
    await writeFile(`${real}/inner.txt`, "inside");
    await symlink(OUT, link);
    let running = true;
    let flips = 0;
    const loop = (async () => {
      while (running) {
        await rename(real, `${G}/${name}`);
        await rename(`${G}/${name}`, real);
        await rename(link, `${G}/${name}`);
        await rename(`${G}/${name}`, link);
        flips++;
      }
    })();
    return {
      stop: async () => {
        running = false;
        await loop;
        return flips;
      },
    };
  }

  it("never reads a file outside while a directory on the path is swapped for a symlink", async () => {
    const flip = await flipper("flipr");
    const outcomes = new Map<string, number>();
    const until = Date.now() + 400;
    while (Date.now() < until) {
      const r = await attempt(read("flipr/inner.txt"), { gate: false });
      const key = r.ok ? String(r.value) : r.error instanceof CapabilityDeniedError ? "denied" : String((r.error as FsError).code);
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    expect(await flip.stop()).toBeGreaterThan(0);
    expect(outcomes.has("outside inner"), JSON.stringify([...outcomes])).toBe(false);
  });

  it("never writes a file outside while a directory on the path is swapped for a symlink", async () => {
    const flip = await flipper("flipw");
    const until = Date.now() + 400;
    let n = 0;
    while (Date.now() < until) {
      await attempt({ type: "fs.writeFile", path: `flipw/w${n}.txt`, data: "x" }, { gate: false });
      await attempt({ type: "fs.appendFile", path: `flipw/a${n}.txt`, data: "x" }, { gate: false });
      n++;
    }
    expect(await flip.stop()).toBeGreaterThan(0);
    const { readdir } = await import("node:fs/promises");
    expect((await readdir(OUT)).sort()).toEqual(["inner.txt", "secret.txt"]);
  });
});
