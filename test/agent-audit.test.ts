import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { call, channel, fork, kill, sleep, submitIO, wait } from "../src/index.js";
import { audit, formatAuditRecord, llm, llmOp, offlineProvider, registerLlm, type AuditRecord } from "../src/agent/index.js";
import { auditToJsonl } from "../src/node/index.js";
import { tempDir, virtualScheduler } from "./helpers.js";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const fields = (r: AuditRecord) => `${r.time} #${r.tid} ${r.task} ${r.action} ${r.target} -> ${r.outcome} (${r.durationMs}ms)`;

describe("audit", () => {
  it("records every syscall with time, task, action, target, outcome and duration", async () => {
    const { sched } = virtualScheduler();
    registerLlm(sched, offlineProvider({ latencyMs: 40 }));
    const log = audit(sched);
    const inbox = channel<string>({ name: "inbox" });
    sched.spawn(function* planner() {
      const kid = yield* fork(function* helper() {
        yield* sleep(10);
        yield* inbox.send("found it");
      });
      const msg = yield* inbox.receive();
      yield* llm.query({ model: "offline-1", messages: [{ role: "user", content: String(msg.value) }] });
      yield* wait(kid);
    });
    await sched.run();
    const records = log.records;
    expect(records.map(fields)).toEqual([
      '0 #1 planner fork #2 "helper" -> ok (0ms)',
      "0 #2 helper sleep 10ms -> ok (10ms)",
      // Records come in completion order: the send wakes the receiver before it returns.
      '0 #1 planner receive channel "inbox" -> ok (10ms)',
      '10 #2 helper send channel "inbox" -> ok (0ms)',
      "10 #1 planner llm offline-1 -> ok (40ms)",
      '50 #1 planner wait #2 "helper" -> ok (0ms)',
    ]);
  });

  it("records errors, and a syscall cut short by a kill as that kill's error", async () => {
    const { sched } = virtualScheduler();
    const log = audit(sched);
    sched.spawn(function* boss() {
      const worker = yield* fork(function* worker() {
        yield* sleep(1_000);
      });
      yield* sleep(25);
      yield* kill(worker, "too slow");
      yield* call(() => Promise.reject(new Error("disk on fire")));
    });
    await sched.run().catch(() => {});
    const worker = log.records.find((r) => r.task === "worker")!;
    expect(worker).toEqual({ time: 0, at: expect.stringMatching(ISO), tid: 2, task: "worker", action: "sleep", target: "1000ms", outcome: 'error: TaskKilledError: task #2 "worker" was killed: too slow', durationMs: 25 });
    expect(log.records.at(-1)).toMatchObject({ action: "call", target: "anonymous", outcome: "error: Error: disk on fire" });
  });

  it("keeps only the newest records when told to, and formats one per line", async () => {
    const { sched } = virtualScheduler();
    const seen: AuditRecord[] = [];
    const log = audit(sched, { keep: 2, onRecord: (r) => seen.push(r) });
    sched.spawn(function* ticker() {
      for (let i = 1; i <= 5; i++) yield* sleep(i);
    });
    await sched.run();
    expect(seen).toHaveLength(5);
    expect(log.records.map((r) => r.target)).toEqual(["4ms", "5ms"]);
    expect(formatAuditRecord(log.records[1])).toMatch(/^\s+10ms {2}#1 ticker\s+sleep 5ms\s+5ms {2}ok$/);
    log.stop();
    expect(() => audit(sched, { keep: -1 })).toThrow("audit option `keep` must be an integer >= 0 (or Infinity), got -1 (number)");
  });
});

describe("audit of LLM calls", () => {
  it("stamps each record with the wall-clock time in ISO 8601 when the syscall was made", async () => {
    const { sched } = virtualScheduler();
    let wall = Date.UTC(2026, 11, 1, 8, 0, 0);
    const log = audit(sched, { wallClock: () => (wall += 1_000) });
    sched.spawn(function* agent() {
      yield* sleep(5);
      yield* sleep(5);
    });
    await sched.run();
    expect(log.records.map((r) => r.at)).toEqual(["2026-12-01T08:00:01.000Z", "2026-12-01T08:00:02.000Z"]);
    expect(() => audit(sched, { wallClock: 5 as never })).toThrow("audit option `wallClock` must be a function");
  });

  it("records the tokens and cost of LLM queries, summed over a batch, and shows the tokens in the formatted line", async () => {
    const { sched } = virtualScheduler();
    registerLlm(sched, offlineProvider({ latencyMs: 40 }), { prices: { "offline-1": { inputPerMillion: 1_000, outputPerMillion: 2_000 } } });
    const log = audit(sched);
    const ask = (content: string) => llmOp({ model: "offline-1", messages: [{ role: "user", content }] });
    sched.spawn(function* agent() {
      yield* llm.query({ model: "offline-1", messages: [{ role: "user", content: "one two three" }] });
      yield* submitIO([ask("a b"), ask("c")]);
      yield* sleep(1);
    });
    await sched.run();
    const [single, batch, nap] = log.records;
    // "one two three" is 3 prompt words, echoed as "echo: one two three" (4 words)
    expect(single).toMatchObject({ action: "llm", usage: { promptTokens: 3, completionTokens: 4, totalTokens: 7 } });
    expect(single.costUsd).toBeCloseTo((3 * 1_000 + 4 * 2_000) / 1e6, 12);
    expect(batch).toMatchObject({ action: "io", usage: { promptTokens: 3, completionTokens: 5, totalTokens: 8 } });
    expect(nap.usage).toBeUndefined();
    expect(formatAuditRecord(single)).toMatch(/llm offline-1 +40ms {2}ok {2}7 tokens$/);
  });
});

describe("auditToJsonl", () => {
  it("appends one JSON record per line to the file", async () => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, "audit.jsonl");
      for (const run of [1, 2]) {
        const { sched } = virtualScheduler();
        const sink = auditToJsonl(sched, path);
        sched.spawn(function* agent() {
          yield* sleep(run * 10);
        });
        await sched.run();
        await sink.close();
        expect(sink.written).toBe(1);
      }
      const lines = (await readFile(path, "utf8")).trim().split("\n").map((l) => JSON.parse(l));
      expect(lines).toEqual([
        { time: 0, at: expect.stringMatching(ISO), tid: 1, task: "agent", action: "sleep", target: "10ms", outcome: "ok", durationMs: 10 },
        { time: 0, at: expect.stringMatching(ISO), tid: 1, task: "agent", action: "sleep", target: "20ms", outcome: "ok", durationMs: 20 },
      ]);
    } finally {
      await dir.remove();
    }
  });

  it("rejects close() with the write error when the file cannot be opened", async () => {
    const { sched } = virtualScheduler();
    const sink = auditToJsonl(sched, join("/nonexistent-dir-yieldos", "a.jsonl"));
    await expect(sink.close()).rejects.toThrow(/ENOENT/);
  });
});
