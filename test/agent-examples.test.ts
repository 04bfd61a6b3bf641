import { rm } from "node:fs/promises";
import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { runAgentWorkflow } from "../examples/agent-workflow.js";
import { runMultiAgent } from "../examples/multi-agent.js";
import { runLlmStreaming } from "../examples/llm-streaming.js";

describe("examples/agent-workflow", () => {
  it("plans, runs three tools in parallel, summarises and writes the summary atomically, on a stable timeline", async () => {
    const { output, summary, summaryPath } = await runAgentWorkflow();
    try {
      const lines = output.split("\n");
      expect(lines.slice(0, 4)).toEqual([
        'researcher: time limit 5000 ms, budget {"maxChildren":8,"maxSyscalls":40,"maxIo":10}',
        "[t=120] plan: read notes/ring.md | read notes/budgets.md | search io_uring batching",
        "[t=200] tools returned 3 findings",
        "[t=500] wrote out/summary.md (181 chars, 60 tokens)",
      ]);
      // The three tools were in flight together: all start at 120; the search ends at 200.
      // waitAll is a kernel syscall: no watcher tasks in the timeline, only the researcher and its tools.
      expect(output).toContain("#2 ring.md    |            #                                     | exited at 120");
      expect(output).toContain("#4 search     |            #~~~~~~~#                             | exited at 200");
      expect(output).not.toContain("watch");
      expect(output).toMatch(/120ms {2}#4 search +search "io_uring batching" +80ms {2}ok/);
      expect(output).toMatch(/500ms {2}#1 researcher +fs\.writeFile \.\/out\/summary\.md +0ms {2}ok/);
      expect(summary).toBe(
        "# Summary\n\nSources agree on 3 points:\n- the ring batches tool calls into one enter()\n- budgets cap children, syscalls, I/O and run time\n- io_uring submits many ops with one syscall\n",
      );
      expect((await runAgentWorkflow(dirname(dirname(summaryPath)))).output).toBe(output);
    } finally {
      await rm(dirname(dirname(summaryPath)), { recursive: true, force: true });
    }
  });
});

describe("examples/multi-agent", () => {
  it("exchanges messages, pauses and resumes the writer, and kills the optimizer for its run-time budget", async () => {
    const { lines, exits } = await runMultiAgent();
    expect(lines).toEqual([
      "coordinator -> researcher: ring batching",
      "coordinator -> writer: the README intro",
      "coordinator -> optimizer: the scheduler hot path",
      "coordinator paused the writer, whose LLM call is in flight",
      "researcher -> coordinator: notes on ring batching",
      "50 ms later the writer's answer is in and the writer is paused; resuming it",
      "writer -> coordinator: notes on the README intro",
      'optimizer was killed for exceeding its budget (maxRunTime 30 ms): task #4 "optimizer" exceeded maxRunTime (limit 30)',
      "workers finished: researcher: 1 job(s), writer: 1 job(s)",
      "",
      "agent        status   syscalls",
      "coordinator  exited         13",
      "researcher   exited          4",
      "writer       exited          4",
      "optimizer    killed          1",
    ]);
    expect(exits).toMatchObject({ coordinator: "exited", researcher: "exited", writer: "exited", optimizer: "killed" });
  });
});

describe("examples/llm-streaming", () => {
  it("streams a tool call and an answer from its loopback server, stops a long stream early and reports usage, cost and the audit", async () => {
    const { lines } = await runLlmStreaming();
    expect(lines).toEqual([
      "user: What is the weather in Oslo?",
      'assistant -> tool call weather({"city":"Oslo"})',
      'tool weather -> {"city":"Oslo","tempC":4,"sky":"cloudy"}',
      "assistant (9 pieces): In Oslo it is 4 °C and cloudy today.",
      "usage: 80 prompt + 9 completion tokens, $0.0000174",
      "story: Once upon-a-time-1 upon-a-time-2... (stopped after 3 pieces)",
      "server: the client closed the story stream before its end",
      "spent: 153 tokens, $0.0000324 of a $0.01 budget",
      "audit (LLM calls):",
      "  #3 llm.call llm fake-mini: ok, 64 tokens",
      "  #5 llm.call llm fake-mini: ok, 89 tokens",
      '  #7 llm.call llm fake-mini: error: TaskKilledError: task #7 "llm.call" was killed: parent #6 was killed',
    ]);
  });
});
