/**
 * One turn of a workflow on a workflow worker: from the moment BullMQ hands the worker the
 * workflow's job to the moment the worker lets go of it. The turn takes the workflow's lease,
 * recovers the workflow into the worker's engine by replay, and ends in one of four ways:
 *
 * - finished: the workflow completed, failed or was cancelled (its record says so); the job completes.
 * - parked: the workflow waits for a deadline far off or for a signal only; the engine lets go of
 *   it, the lease is released and the job is moved to BullMQ's delayed set until the deadline.
 * - lost: the lease was taken by another worker (or could not be renewed in time); the engine
 *   stops running the workflow at once and the job is left to whoever holds it now.
 * - handed off: the worker is closing; the job goes back to the queue for another worker.
 * - superseded: BullMQ handed the same job to this worker again (it took the job for stalled
 *   while this worker was too busy to extend its lock); the new turn goes on with the workflow.
 */
import type { Job as JobT } from "bullmq";
import type { LeasedStore } from "../durable/index.js";
import { DelayedError, UnrecoverableError } from "./peer.js";

/** How a turn ended (see the module comment). */
export type TurnEnd =
  | { kind: "finished"; state: string }
  | { kind: "parked"; wakeAt: number | null }
  | { kind: "lost"; why: string }
  | { kind: "handoff" }
  | { kind: "superseded" };

/** One workflow hosted by a worker, from lease to let-go. */
export class WorkflowTurn {
  readonly ended: Promise<TurnEnd>;
  #end!: (end: TurnEnd) => void;
  #over = false;
  /** When the lease was last taken or renewed (ms, this machine's clock). */
  renewedAt = Date.now();
  /** Whether the engine runs it yet (wake-ups before then are read after recovery). */
  recovered = false;
  /** A wake-up came while the workflow was being recovered. */
  woken = false;
  /** The engine reported it idle and it was kept hosted (its next deadline is near). */
  idle = false;
  /** Whether this turn (or the stale one it superseded) launched the workflow in the engine: only then is its finish this turn's to report. */
  launched = false;

  constructor(
    readonly id: string,
    readonly token: number,
  ) {
    this.ended = new Promise((resolve) => (this.#end = resolve));
  }

  get over(): boolean {
    return this.#over;
  }

  /** Ends the turn; the first call wins. */
  end(end: TurnEnd): void {
    if (this.#over) return;
    this.#over = true;
    this.#end(end);
  }
}

/** What a turn needs of its worker. */
export interface TurnHost {
  readonly store: LeasedStore;
  readonly owner: string;
  readonly leaseMs: number;
  /** A parked workflow waiting for a signal only is woken after this long anyway (a safety net). */
  readonly maxParkMs: number;
  readonly closing: boolean;
  readonly turns: Map<string, WorkflowTurn>;
  /** Recovers workflow `id` into the engine; whether it was launched (false: finished meanwhile, or already running here). */
  recover(id: string): Promise<boolean>;
  /** Resolves once workflow `id` finished in the engine (with `undefined`) or the engine gave it up (with why); never rejects. */
  settled(id: string): Promise<unknown>;
  abandon(id: string, reason: string): Promise<void>;
  refreshInbox(id: string): Promise<void>;
  /** Runs `fn`, retrying with backoff while Redis is unreachable. */
  retry<T>(fn: () => Promise<T> | T): Promise<T>;
  emit(event: "acquired" | "finished" | "parked" | "lost" | "handoff", id: string, detail: unknown): void;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The processor of one workflow job. Returns the workflow's final state (the job completes), or
 * throws BullMQ's `DelayedError` after moving the job to the delayed set (parked, lost, handed off).
 */
export async function runTurn(host: TurnHost, job: JobT, token: string | undefined): Promise<{ state: string }> {
  const id = job.id!;
  const { store } = host;
  // The lease first, then the store: a workflow that finished or does not exist shows up as nothing to recover.
  const fence = await acquire(host, id);
  if (fence === null) return delay(job, token, Date.now() + host.leaseMs);
  const turn = new WorkflowTurn(id, fence);
  const stale = host.turns.get(id);
  stale?.end({ kind: "superseded" });
  host.turns.set(id, turn);
  host.emit("acquired", id, fence);
  if (host.closing) turn.end({ kind: "handoff" }); // the worker began closing while this turn took the lease
  try {
    turn.launched = (await host.recover(id)) || stale?.launched === true;
    turn.recovered = true;
    if (!turn.launched) {
      const rec = await host.retry(() => store.get(id));
      if (rec === undefined) throw new UnrecoverableError(`workflow job "${id}" has no workflow "${id}" in the store: start workflows with WorkflowClient.start`);
      if (rec.state !== "running") {
        await Promise.resolve(store.release(id)).catch(() => undefined);
        return { state: rec.state };
      }
    }
    void host.settled(id).then(async (error) => {
      if (turn.over) return;
      if (error === undefined) return turn.end({ kind: "finished", state: "completed" }); // its end is committed before the engine resolves it
      const now = await host.retry(() => store.get(id)).catch(() => undefined);
      if (now !== undefined && now.state !== "running") turn.end({ kind: "finished", state: now.state });
      // Code that no longer matches its journal: replaying it again will not help until new code is deployed.
      else if ((error as Error | undefined)?.name === "NonDeterminismError") turn.end({ kind: "parked", wakeAt: null });
      else turn.end({ kind: "lost", why: `the engine stopped running it before it finished (${String((error as Error | undefined)?.message ?? error)})` });
    });
    if (turn.woken) await host.refreshInbox(id);
    const end = await turn.ended;
    switch (end.kind) {
      case "finished":
        // No release: a finished workflow is never leased again, and its lease runs out by itself.
        if (turn.launched) host.emit("finished", id, end.state); // else another worker finished it just before
        return { state: end.state };
      case "parked": {
        await host.abandon(id, "parked until its deadline or a signal");
        await host.retry(() => store.release(id));
        const at = end.wakeAt ?? Date.now() + host.maxParkMs;
        await job.moveToDelayed(Math.max(at, Date.now()), token);
        host.emit("parked", id, end.wakeAt);
        // A signal written while the job was still active found no delayed job to promote: read the inbox now.
        const inbox = await host.retry(async () => (store.inbox !== undefined ? store.inbox(id) : ((await store.recoverable([id]))[0]?.inbox ?? [])));
        if (inbox.length > 0) await job.promote().catch(() => undefined);
        throw new DelayedError();
      }
      case "lost":
        await host.abandon(id, `its lease was lost: ${end.why}`);
        host.emit("lost", id, end.why);
        await job.moveToDelayed(Date.now() + host.leaseMs, token).catch(() => undefined); // refused when the job has a new owner
        throw new DelayedError();
      case "superseded":
        throw new DelayedError(); // the job's lock is the new turn's now: leave the job and the workflow to it
      case "handoff":
        await host.abandon(id, "its worker is closing");
        await host.retry(() => store.release(id)).catch(() => undefined);
        await job.moveToDelayed(Date.now(), token).catch(() => undefined);
        host.emit("handoff", id, null);
        throw new DelayedError();
    }
    throw new Error(`workflow "${id}": a turn ended in an unknown way`);
  } catch (error) {
    // Anything unexpected (the store down for longer than its timeout, say): let go of the
    // workflow here; the worker puts its job back to be tried again.
    if (!(error instanceof DelayedError)) {
      await host.abandon(id, `its worker failed: ${String((error as Error)?.message ?? error)}`).catch(() => undefined);
      await Promise.resolve(store.release(id)).catch(() => undefined);
    }
    throw error;
  } finally {
    if (host.turns.get(id) === turn) host.turns.delete(id);
    turn.end({ kind: "handoff" });
  }
}

/**
 * Takes the workflow's lease, waiting while a dead worker's lease runs out (its job came back
 * after the stalled check, but its lease lives until its TTL). `null` after two TTLs: someone live holds it.
 */
async function acquire(host: TurnHost, id: string): Promise<number | null> {
  const until = Date.now() + 2 * host.leaseMs;
  for (;;) {
    const token = await host.retry(() => host.store.acquire(id, host.owner, host.leaseMs));
    if (token !== null) return token;
    if (Date.now() > until || host.closing) return null;
    await sleep(Math.min(250, host.leaseMs / 4));
  }
}

async function delay(job: JobT, token: string | undefined, at: number): Promise<never> {
  await job.moveToDelayed(at, token);
  throw new DelayedError();
}
