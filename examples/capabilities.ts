/**
 * Capabilities: a planner forks a researcher that may only read one directory and call one
 * model. Its attempt to write is denied, and the denial shows in the audit log.
 *
 *   npm run example:capabilities
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CapabilityDeniedError, Scheduler, VirtualClock, fork, submitIO, wait } from "../src/index.js";
import { audit, formatAuditRecord, llm, offlineProvider, registerLlm } from "../src/agent/index.js";
import { fsOps, registerFs } from "../src/node/index.js";

/** Runs the example in `root` (made and removed if not given); returns what it printed. */
export async function runCapabilities(root?: string): Promise<string[]> {
  const dir = root ?? (await mkdtemp(join(tmpdir(), "yieldos-caps-")));
  const data = join(dir, "data");
  const lines: string[] = [];
  try {
    await mkdir(join(data, "in"), { recursive: true });
    await mkdir(join(data, "out"), { recursive: true });
    await writeFile(join(data, "in", "notes.md"), "The ring batches tool calls into one enter().");

    const sched = new Scheduler({ clock: new VirtualClock() });
    registerFs(sched);
    registerLlm(sched, offlineProvider({ latencyMs: 100 }));
    const log = audit(sched);
    const at = (path: string) => join(data, path);

    function* researcher() {
      const notes = yield* submitIO(fsOps.readFile(at("in/notes.md"), "utf8")); // fs.read:<data>/in
      const { text } = yield* llm.query({ model: "gpt-4o-mini", messages: [{ role: "user", content: `Summarise: ${notes}` }] });
      lines.push(`researcher holds: ${sched.ps().find((t) => t.name === "researcher")!.caps!.join(", ")}`);
      try {
        yield* submitIO(fsOps.writeFile(at("in/summary.md"), text)); // not granted
      } catch (e) {
        if (!(e instanceof CapabilityDeniedError)) throw e;
        lines.push(`researcher was refused: ${e.capability}`);
      }
      return text;
    }

    function* planner() {
      const kid = yield* fork(researcher, { name: "researcher", caps: [`fs.read:${at("in")}`, "llm:gpt-4o-mini"] });
      const summary = yield* wait(kid);
      yield* submitIO(fsOps.writeFile(at("out/summary.md"), summary)); // the planner may
      lines.push(`planner wrote out/summary.md (${summary.length} chars)`);
    }

    sched.spawn(planner, { caps: [`fs.*:${data}`, "llm:gpt-4o*"] });
    await sched.run();
    lines.push("", "audit, denials only:");
    for (const r of log.records.filter((r) => r.outcome !== "ok")) lines.push(formatAuditRecord(r).split(dir).join("<tmp>"));
    return lines.map((l) => l.split(dir).join("<tmp>"));
  } finally {
    if (root === undefined) await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await runCapabilities()) console.log(line);
}
