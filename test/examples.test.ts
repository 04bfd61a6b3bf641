import { describe, expect, it } from "vitest";
import { runCapabilities } from "../examples/capabilities.js";
import { formatReport, runFanout } from "../examples/llm-fanout.js";
import { VirtualClock } from "../src/index.js";

describe("examples", () => {
  it("llm-fanout keeps at most inFlight calls in flight and gets every answer, on a virtual clock", async () => {
    const report = await runFanout({ calls: 300, inFlight: 8, clock: new VirtualClock() });
    expect(report.answers).toBe(300);
    expect(report.maxInFlight).toBe(8);
    const served = Object.entries(report.batchSizes).reduce((sum, [size, n]) => sum + Number(size) * n, 0);
    expect(served).toBe(300);
    expect(report.batchSizes[8]).toBeGreaterThanOrEqual(1); // the first enter fills the ring in one call
    expect(report.realMs).toBeLessThan(2_000);
    // Seeded latencies on a virtual clock: the same run takes the same clock time, to the ms.
    const again = await runFanout({ calls: 300, inFlight: 8, clock: new VirtualClock() });
    expect(again.clockMs).toBe(report.clockMs);
    expect(again.batchSizes).toEqual(report.batchSizes);
  });

  it("llm-fanout runs on real time with a small configuration and prints its report", async () => {
    const report = await runFanout({ calls: 60, inFlight: 4, minMs: 1, maxMs: 4 });
    expect(report.answers).toBe(60);
    expect(report.maxInFlight).toBeLessThanOrEqual(4);
    // 60 calls of at least 1 ms, 4 at a time, cannot finish in under 15 ms.
    expect(report.clockMs).toBeGreaterThanOrEqual(15);
    const text = formatReport(report);
    expect(text).toContain("60/60 answers");
    expect(text).toMatch(/max in flight observed: [1-4] \(limit 4\)/);
    expect(text).toMatch(/throughput: +\d+ calls\/s/);
  });

  it("capabilities: the researcher may read and ask its model, its write is refused and audited, the planner writes", async () => {
    const lines = await runCapabilities();
    expect(lines.slice(0, 3)).toEqual([
      "researcher holds: fs.read:<tmp>/data/in, llm:gpt-4o-mini",
      "researcher was refused: fs.writeFile:<tmp>/data/in/summary.md",
      expect.stringMatching(/^planner wrote out\/summary.md \(\d+ chars\)$/),
    ]);
    const denials = lines.slice(lines.indexOf("audit, denials only:") + 1);
    expect(denials).toHaveLength(1);
    expect(denials[0]).toMatch(/#2 researcher +fs\.writeFile <tmp>\/data\/in\/summary\.md .*error: CapabilityDeniedError/);
  });
});
