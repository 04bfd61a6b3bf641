/**
 * A coordinator and three worker agents talking over channels, offline and in well under a
 * second. The coordinator hands out jobs, pauses the writer and resumes it later, and the
 * optimizer, which never stops "thinking", is killed when it runs out of its run-time budget.
 *
 * It runs on the real clock, since a run-time budget measures real running time; the printed
 * lines do not depend on timing, so they are the same on every run.
 *
 *   npx tsx examples/multi-agent.ts
 */
import { BudgetExceededError, Scheduler, channel, fork, pause, resume, sleep, waitAll, wait, type Channel, type ExitEvent } from "../src/index.js";
import { audit, llm, offlineProvider, registerLlm } from "../src/agent/index.js";

interface Job {
  topic: string;
}

interface Report {
  from: string;
  text: string;
}

/** Busy work standing in for an agent that computes without ever yielding a syscall. */
function burn(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

export interface MultiAgentResult {
  /** What the example prints, one line each. */
  lines: string[];
  /** How each agent ended, by name. */
  exits: Record<string, ExitEvent["status"]>;
}

export async function runMultiAgent(): Promise<MultiAgentResult> {
  const sched = new Scheduler();
  registerLlm(sched, offlineProvider({ answers: (r) => `notes on ${r.messages[0].content}`, latencyMs: 20 }));
  const log = audit(sched);
  const exits: Record<string, ExitEvent["status"]> = {};
  sched.on("exit", (_tid, e) => (exits[e.name] = e.status));
  const lines: string[] = [];
  const say = (text: string) => lines.push(text);
  const reports = channel<Report>({ capacity: 4, name: "reports" });

  /** A worker agent: answers each job from its inbox with one LLM call, until the inbox closes. */
  function* worker(name: string, inbox: Channel<Job>) {
    let done = 0;
    for (let m = yield* inbox.receive(); !m.done; m = yield* inbox.receive()) {
      const answer = yield* llm.query({ model: "offline", messages: [{ role: "user", content: m.value.topic }] });
      yield* reports.send({ from: name, text: answer.text });
      done++;
    }
    return `${name}: ${done} job(s)`;
  }

  /** An agent that takes a job and refines it forever: only its budget stops it. */
  function* optimizer(inbox: Channel<Job>) {
    yield* inbox.receive();
    for (;;) {
      burn(2);
      yield; // cooperative: other agents keep running meanwhile
    }
  }

  function* coordinator() {
    const names = ["researcher", "writer", "optimizer"] as const;
    const inboxes = names.map((name) => channel<Job>({ capacity: 1, name: `${name}-inbox` }));
    const researcher = yield* fork(worker("researcher", inboxes[0]), { name: "researcher" });
    const writer = yield* fork(worker("writer", inboxes[1]), { name: "writer" });
    const opt = yield* fork(optimizer(inboxes[2]), { name: "optimizer", budget: { maxRunTime: 30 } });
    const topics = ["ring batching", "the README intro", "the scheduler hot path"];
    for (let i = 0; i < 3; i++) {
      yield* inboxes[i].send({ topic: topics[i] });
      say(`coordinator -> ${names[i]}: ${topics[i]}`);
    }

    yield* pause(writer);
    say("coordinator paused the writer, whose LLM call is in flight");
    const first = yield* reports.receive();
    say(`${first.value?.from} -> coordinator: ${first.value?.text}`);
    yield* sleep(50);
    say(`50 ms later the writer's answer is in and the writer is ${sched.ps().find((t) => t.tid === writer)?.status}; resuming it`);
    yield* resume(writer);
    const second = yield* reports.receive();
    say(`${second.value?.from} -> coordinator: ${second.value?.text}`);

    try {
      yield* wait(opt);
    } catch (e) {
      const budget = e instanceof BudgetExceededError ? `${e.budget} ${e.limit} ms` : "?";
      say(`optimizer was killed for exceeding its budget (${budget}): ${(e as Error).message}`);
    }
    for (const inbox of inboxes) inbox.close();
    const summaries = yield* waitAll([researcher, writer]);
    say(`workers finished: ${summaries.join(", ")}`);
  }

  sched.spawn(coordinator);
  await sched.run();
  log.stop();
  const counts = new Map<string, number>();
  for (const r of log.records) counts.set(r.task, (counts.get(r.task) ?? 0) + 1);
  say("");
  say("agent        status   syscalls");
  for (const name of ["coordinator", "researcher", "writer", "optimizer"]) {
    say(`${name.padEnd(12)} ${exits[name].padEnd(8)} ${String(counts.get(name) ?? 0).padStart(8)}`);
  }
  return { lines, exits };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const start = performance.now();
  const { lines } = await runMultiAgent();
  console.log(lines.join("\n"));
  console.log(`\n(${Math.round(performance.now() - start)} ms)`);
}
