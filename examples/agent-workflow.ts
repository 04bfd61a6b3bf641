/**
 * An agent workflow, offline and in well under a second:
 *
 *   plan (LLM) -> three tool calls in parallel through the ring (two file reads via yieldos/node,
 *   a fake web search) -> summary (LLM) -> atomic file write
 *
 * The agent runs with a time limit and a resource budget; every syscall it makes is audited.
 * LLM answers come from the deterministic offline provider and the clock is virtual, so the
 * printed timeline is the same on every run (file I/O is real, and takes no virtual time).
 *
 *   npx tsx examples/agent-workflow.ts [workdir]
 */
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Scheduler, VirtualClock, fork, submitIO, waitAll, type IoOp, type IoRequest } from "../src/index.js";
import { audit, formatAuditRecord, llm, offlineProvider, registerLlm, type LlmRequest } from "../src/agent/index.js";
import { fsOps, registerFs } from "../src/node/index.js";
import { recordTrace, timeline } from "../src/testing/index.js";

interface SearchOp extends IoOp {
  type: "search";
  query: string;
}

/** A fake web search: three canned hits after 80 ms of clock time. */
function searchHandler(requests: IoRequest<SearchOp>[]): void {
  for (const r of requests) {
    r.after(80, () =>
      r.complete([
        `"${r.op.query}" - io_uring submits many ops with one syscall`,
        `"${r.op.query}" - batching amortises the cost of each call`,
        `"${r.op.query}" - completions are reaped in a batch too`,
      ]),
    );
  }
}

/** The offline LLM: a fixed plan for the planner, a summary of the tool output for the writer. */
function answer(request: LlmRequest): string {
  const prompt = request.messages.at(-1)!.content;
  if (request.model === "planner") {
    return ["read notes/ring.md", "read notes/budgets.md", "search io_uring batching"].join("\n");
  }
  const firstLines = prompt.split("\n").filter((line) => line.startsWith("- "));
  return `# Summary\n\nSources agree on ${firstLines.length} points:\n${firstLines.join("\n")}\n`;
}

export interface WorkflowResult {
  /** Everything the example prints. */
  output: string;
  summaryPath: string;
  summary: string;
}

/** Runs the workflow in `dir` (a fresh temp directory by default) and returns what it printed. */
export async function runAgentWorkflow(dir?: string): Promise<WorkflowResult> {
  const root = dir ?? (await mkdtemp(join(tmpdir(), "yieldos-agent-")));
  await mkdir(join(root, "notes"), { recursive: true });
  await writeFile(join(root, "notes/ring.md"), "- the ring batches tool calls into one enter()\nmore detail\n");
  await writeFile(join(root, "notes/budgets.md"), "- budgets cap children, syscalls, I/O and run time\nmore detail\n");

  const sched = new Scheduler({ clock: new VirtualClock() });
  registerFs(sched);
  sched.ring.register<SearchOp>("search", searchHandler);
  registerLlm(sched, offlineProvider({ answers: answer, latencyMs: (r) => (r.model === "planner" ? 120 : 300) }));
  const trace = recordTrace(sched);
  const log = audit(sched);
  const out: string[] = [];
  const say = (text: string) => out.push(`[t=${String(sched.now()).padStart(3)}] ${text}`);

  function* tool(step: string) {
    const [verb, ...rest] = step.split(" ");
    const arg = rest.join(" ");
    if (verb === "read") return (yield* submitIO(fsOps.readFile(join(root, arg), "utf8"))).split("\n")[0];
    const hits = (yield* submitIO({ type: "search", query: arg } satisfies SearchOp)) as string[];
    return `- ${hits[0].split(" - ")[1]}`;
  }

  function* researcher() {
    const plan = yield* llm.query({
      model: "planner",
      messages: [
        { role: "system", content: "Plan up to three tool calls, one per line." },
        { role: "user", content: "How does yieldos keep agents fast and bounded?" },
      ],
    });
    const steps = plan.text.split("\n");
    say(`plan: ${steps.join(" | ")}`);
    const tools = [];
    for (const step of steps) tools.push(yield* fork(tool(step), { name: step.split(" ")[0] === "read" ? step.slice(11) : "search" }));
    const found = yield* waitAll(tools);
    say(`tools returned ${found.length} findings`);
    const summary = yield* llm.query({ model: "writer", messages: [{ role: "user", content: `Summarise:\n${found.join("\n")}` }] });
    const path = join(root, "out/summary.md");
    yield* submitIO(fsOps.mkdir(join(root, "out")));
    yield* submitIO(fsOps.writeFile(path, summary.text));
    say(`wrote out/summary.md (${summary.text.length} chars, ${summary.usage?.totalTokens} tokens)`);
    return path;
  }

  const budget = { maxChildren: 8, maxSyscalls: 40, maxIo: 10 };
  out.push(`researcher: time limit 5000 ms, budget ${JSON.stringify(budget)}`);
  const task = sched.spawn(researcher, { timeLimit: 5_000, budget });
  await sched.run();
  const summaryPath = await task.done;
  const records = log.records.sort((a, b) => a.time - b.time || a.tid - b.tid);
  out.push("", "timeline:", timeline(trace, { width: 50 }), "", `audit (${records.length} syscalls):`);
  for (const r of records) out.push(formatAuditRecord({ ...r, target: r.target.replace(root, ".") }));
  return { output: out.join("\n"), summaryPath, summary: await readFile(summaryPath, "utf8") };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { output, summary } = await runAgentWorkflow(process.argv[2]);
  console.log(`${output}\n\nout/summary.md:\n${summary}`);
}
