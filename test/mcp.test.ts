import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { IoRing, OpCancelledError, Scheduler, TimeoutError, VirtualClock, sleep, submitIO, waitAll, fork } from "../src/index.js";
import { McpToolError, connectMcp, mcpCall, mcpCallOp, mcpListTools, registerMcp, textOf, type McpConnection, type McpToolResult } from "../src/mcp/index.js";
import { MCP_SERVER, startHttpMcpServer } from "./fixtures/mcp.js";

interface Stats {
  calls: number;
  running: number;
  maxRunning: number;
  aborted: number;
  abortReasons: string[];
  authorization: string | null;
}

const stats = async (c: McpConnection, reset = false): Promise<Stats> =>
  (await c.callTool<Stats>("stats", { reset })).structuredContent!;

/** Polls the server's counters until `ok` holds (at most 5 s; a poll that times out is retried). */
async function until(c: McpConnection, ok: (s: Stats) => boolean): Promise<Stats> {
  const end = Date.now() + 5_000;
  for (;;) {
    const s = await stats(c).catch((error: unknown) => {
      if (error instanceof TimeoutError && Date.now() < end) return undefined;
      throw error;
    });
    if (s !== undefined && (ok(s) || Date.now() > end)) return s;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const transports = {
  stdio: async () => ({ connection: await connectMcp({ name: "fx", command: process.execPath, args: [MCP_SERVER], stderr: "ignore", concurrency: 2 }), stop: async () => {} }),
  http: async () => {
    const server = await startHttpMcpServer();
    return { connection: await connectMcp({ name: "fx", url: server.url, concurrency: 2, headers: { authorization: "Bearer t0ken" } }), stop: server.stop };
  },
};

describe.each(Object.keys(transports) as (keyof typeof transports)[])("mcp over %s", (kind) => {
  let fx: McpConnection;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ connection: fx, stop } = await transports[kind]());
  });
  afterAll(async () => {
    await fx?.close();
    await stop?.();
  });

  const scheduler = () => {
    const sched = new Scheduler();
    registerMcp(sched, [fx]);
    return sched;
  };

  it("sends the connection's headers with every HTTP request (stdio has none)", async () => {
    expect((await stats(fx)).authorization).toBe(kind === "http" ? "Bearer t0ken" : null);
  });

  it("serves ops on a standalone IoRing too", async () => {
    const ring = new IoRing();
    registerMcp(ring, [fx]);
    ring.submit(mcpCallOp("fx", "echo", { text: "ring" }));
    ring.enter();
    await ring.wait();
    const [c] = ring.reap();
    expect(c.ok && textOf(c.value as McpToolResult)).toBe("ring");
  });

  it("lists the server's tools from a task", async () => {
    const sched = scheduler();
    const t = sched.spawn(function* () {
      return (yield* mcpListTools("fx")).map((tool) => tool.name).sort();
    });
    await sched.run();
    expect(await t.done).toEqual(["add", "echo", "fail", "slow", "stats"]);
  });

  it("calls a tool as a ring op and returns its typed structured result", async () => {
    const sched = scheduler();
    const submitted: unknown[] = [];
    sched.on("io:submit", (_tid, e) => submitted.push(e.op));
    const t = sched.spawn(function* () {
      const r = yield* mcpCall<{ sum: number }>("fx", "add", { a: 2, b: 40 });
      expectTypeOf(r.structuredContent).toEqualTypeOf<{ sum: number } | undefined>();
      expectTypeOf(yield* submitIO(mcpCallOp<{ n: 1 }>("fx", "echo", { text: "x" }))).toEqualTypeOf<McpToolResult<{ n: 1 }>>();
      const sum: number = r.structuredContent!.sum;
      return { sum, text: textOf(r) };
    });
    await sched.run();
    expect(await t.done).toEqual({ sum: 42, text: "42" });
    expect(submitted[0]).toEqual({ type: "mcp.call", server: "fx", tool: "add", arguments: { a: 2, b: 40 } });
  });

  it("runs a batch of calls in parallel and gives results in order, on a virtual clock too", async () => {
    const sched = new Scheduler({ clock: new VirtualClock() });
    registerMcp(sched, [fx]);
    const t = sched.spawn(function* () {
      const ops = [1, 2, 3].map((n) => mcpCallOp("fx", "echo", { text: `m${n}` }));
      const results = yield* submitIO(ops);
      return { texts: results.map((r) => textOf(r)), at: yield* nowOf(sched) };
    });
    await sched.run();
    // Time stands still on a virtual clock while an op waits on something outside it.
    expect(await t.done).toEqual({ texts: ["m1", "m2", "m3"], at: 0 });
  });

  it("fails the op with McpToolError naming server and tool when the tool reports an error", async () => {
    const sched = scheduler();
    const t = sched.spawn(function* () {
      yield* mcpCall("fx", "fail", { message: "disk on fire" });
    });
    await sched.run().catch(() => {});
    const error = await t.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpToolError);
    expect((error as McpToolError).message).toBe('MCP tool "fail" on server "fx" reported an error: disk on fire');
    expect((error as McpToolError).result.isError).toBe(true);
  });

  it("fails an op for an unregistered server with a message that says how to register it", async () => {
    const sched = scheduler();
    const t = sched.spawn(function* () {
      yield* mcpCall("nope", "add", {});
    });
    await sched.run().catch(() => {});
    await expect(t.done).rejects.toThrow('no MCP server named "nope" is registered on this ring (known: fx): pass its connection to registerMcp');
  });

  it("times out an op on the scheduler clock and the server sees the request aborted", async () => {
    await stats(fx, true);
    const sched = scheduler();
    const t = sched.spawn(function* () {
      yield* mcpCall("fx", "slow", { ms: 10_000 }, { timeout: 100 });
    });
    await sched.run().catch(() => {});
    await expect(t.done).rejects.toBeInstanceOf(TimeoutError);
    const s = await until(fx, (x) => x.aborted === 1);
    expect(s.aborted).toBe(1);
    expect(s.running).toBe(0);
  });

  it("killing the task sends MCP's cancel notification: the server's handler sees its signal abort", async () => {
    await stats(fx, true);
    const sched = scheduler();
    const t = sched.spawn(function* () {
      yield* mcpCall("fx", "slow", { ms: 10_000 });
    });
    const running = sched.run();
    await until(fx, (x) => x.running === 1);
    sched.kill(t.tid, "user pressed stop");
    await running;
    await expect(t.done).rejects.toThrow("was killed: user pressed stop");
    const s = await until(fx, (x) => x.aborted === 1);
    expect(s.aborted).toBe(1);
    expect(s.abortReasons[0]).toContain("user pressed stop");
    // The connection stays usable after a cancel.
    expect(textOf(await fx.callTool("echo", { text: "still here" }))).toBe("still here");
  });

  it("keeps at most `concurrency` calls in flight on a server, the rest waiting FIFO", async () => {
    await stats(fx, true);
    const sched = scheduler();
    const order: number[] = [];
    sched.spawn(function* () {
      const kids = [];
      for (let i = 0; i < 6; i++) {
        kids.push(
          yield* fork(function* () {
            yield* mcpCall("fx", "slow", { ms: 60 });
            order.push(i);
          }),
        );
      }
      yield* waitAll(kids);
    });
    let peak = 0;
    sched.on("io:submit", () => (peak = Math.max(peak, fx.load.running)));
    await sched.run();
    const s = await stats(fx);
    expect(s.maxRunning).toBe(2);
    expect(s.calls).toBe(6);
    expect(peak).toBeLessThanOrEqual(2);
    expect(fx.load).toEqual({ running: 0, waiting: 0 });
  });

  it("drops a call that is cancelled while it waits for a slot without ever sending it", async () => {
    await stats(fx, true);
    const sched = scheduler();
    const results: string[] = [];
    sched.spawn(function* () {
      const kids = [];
      for (let i = 0; i < 3; i++) {
        kids.push(
          yield* fork(function* () {
            try {
              yield* mcpCall("fx", "slow", { ms: 150 }, { timeout: i === 2 ? 30 : 5_000 });
              results.push(`${i} ok`);
            } catch (e) {
              results.push(`${i} ${(e as Error).name}`);
            }
          }),
        );
      }
      yield* waitAll(kids);
    });
    await sched.run();
    expect(results.sort()).toEqual(["0 ok", "1 ok", "2 TimeoutError"]);
    expect((await stats(fx)).calls).toBe(2);
  });
});

describe("mcp", () => {
  it("fails a request that takes longer than the connection's timeout with a TimeoutError naming it", async () => {
    const fx = await connectMcp({ name: "fx", command: process.execPath, args: [MCP_SERVER], stderr: "ignore", timeout: 300 });
    try {
      const sched = new Scheduler();
      registerMcp(sched, [fx]);
      const t = sched.spawn(function* () {
        yield* mcpCall("fx", "slow", { ms: 5_000 });
      });
      await sched.run().catch(() => {});
      const error = await t.done.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TimeoutError);
      expect((error as Error).message).toBe('MCP tool "slow" on server "fx" got no answer within 300 ms');
      expect((await until(fx, (x) => x.aborted === 1)).aborted).toBe(1);
    } finally {
      await fx.close();
    }
  });

  it("rejects bad options, names and arguments with messages that name the value", async () => {
    await expect(connectMcp({ name: "x" })).rejects.toThrow('connectMcp("x"): give exactly one of `command` (stdio) or `url` (streamable HTTP)');
    await expect(connectMcp({ name: "x", url: "http://127.0.0.1:1/mcp", concurrency: 0 })).rejects.toThrow("`concurrency` must be an integer >= 1");
    await expect(connectMcp({ name: "x", url: "http://127.0.0.1:1/mcp", port: 1 } as never)).rejects.toThrow('unknown option "port"');
    expect(() => mcpCallOp("", "t")).toThrow("MCP server must be a non-empty string");
    expect(() => mcpCallOp("s", "t", [1] as never)).toThrow('mcpCall("s", "t"): arguments must be a plain object');
    expect(() => registerMcp(new Scheduler(), [{}] as never)).toThrow("registerMcp expects an array of connections made by connectMcp()");
  });

  it("cancels the op with OpCancelledError when its signal aborts", async () => {
    const fx = await connectMcp({ name: "fx", command: process.execPath, args: [MCP_SERVER], stderr: "ignore" });
    try {
      const sched = new Scheduler();
      registerMcp(sched, [fx]);
      const ac = new AbortController();
      const t = sched.spawn(function* () {
        yield* mcpCall("fx", "slow", { ms: 5_000 }, { signal: ac.signal });
      });
      const running = sched.run().catch(() => {});
      await until(fx, (x) => x.running === 1);
      ac.abort("enough");
      await running;
      await expect(t.done).rejects.toBeInstanceOf(OpCancelledError);
      expect((await until(fx, (x) => x.aborted === 1)).abortReasons[0]).toContain("enough");
    } finally {
      await fx.close();
    }
  });
});

function* nowOf(sched: Scheduler) {
  yield* sleep(0);
  return sched.now();
}
