/**
 * Durable workflows on RedisStore (a private redis-server with `appendonly yes`, `appendfsync
 * everysec`, started by the test harness), against MemoryStore in the same run.
 *
 *   npm run bench:redis-store              full sizes
 *   npm run bench:redis-store -- --quick   small sizes (seconds)
 *
 * R1 throughput: 1,000 concurrent workflows each run 20 `call` steps; journaled steps/s on Redis
 *    and on a MemoryStore, and how many write scripts (batches) carried them.
 * R2 latency: a lone workflow's `call` step (one batch, one round trip each) vs a raw PING.
 * R3 recovery: 1,000 unfinished workflows of 100 journaled steps each, from a new store and
 *    engine to every one replayed and live again.
 */
import os from "node:os";
import { Redis } from "ioredis";
import { DurableEngine, MemoryStore, call, waitSignal, type Batch, type Store } from "../src/durable/index.js";
import { loneStepMs, replayers } from "./durable-workloads.js";
import { RedisStore } from "../src/bullmq/index.js";
import { RedisServer } from "../test/redis-server.js";
import { encodeEntry } from "../src/bullmq/redis-store-codec.js";

const quick = process.argv.includes("--quick");
const ms = (t0: number) => performance.now() - t0;
const fmt = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(1));
let prefixes = 0;

/** R1: journaled call steps across `workflows` concurrent workflows. Returns steps/s and the number of write batches. */
async function throughput(makeStore: () => Store, workflows: number, steps: number): Promise<{ rate: number; batches: number }> {
  function* stepper(n: number) {
    yield* waitSignal("go");
    let sum = 0;
    for (let i = 0; i < n; i++) sum += yield* call(() => Promise.resolve(1));
    return sum;
  }
  const store = makeStore();
  let batches = 0;
  const write = store.write.bind(store);
  store.write = (b: Batch) => (batches++, write(b));
  const engine = new DurableEngine({ store, workflows: { stepper } });
  const ids = Array.from({ length: workflows }, (_, i) => `w${i}`);
  await Promise.all(ids.map((id) => engine.start("stepper", [steps], { id })));
  await new Promise((r) => setTimeout(r, 50));
  batches = 0;
  const t0 = performance.now();
  await Promise.all(ids.map((id) => engine.signal(id, "go")));
  const results = await Promise.all(ids.map((id) => engine.result(id)));
  const t = ms(t0);
  if (results.some((r) => r !== steps)) throw new Error("R1: a workflow returned a wrong sum");
  await engine.close();
  return { rate: (workflows * steps) / (t / 1000), batches };
}

/** A raw round trip (PING), ms. */
async function pingLatency(client: Redis, n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await client.ping();
  return ms(t0) / n;
}

/** R3: recovery of `workflows` unfinished workflows with `steps` journaled call steps each, seeded straight into Redis. */
async function recovery(redis: RedisServer, client: Redis, workflows: number, steps: number): Promise<{ total: number; load: number }> {
  const prefix = `bench${++prefixes}`;
  const seed = new RedisStore({ connection: redis.connection, prefix });
  for (let w = 0; w < workflows; w++) {
    await seed.create({ id: `r${w}`, runId: `run${w}`, name: "replayer", args: "[]", state: "running", result: "", error: "", created: 0, updated: 0 });
  }
  await seed.close();
  for (let w = 0; w < workflows; w += 100) {
    const p = client.pipeline();
    for (let v = w; v < Math.min(w + 100, workflows); v++) {
      p.rpush(`${prefix}:j:r${v}`, ...Array.from({ length: steps }, (_, s) => encodeEntry({ seq: s, step: s, at: s + 1, kind: "io", ok: true, value: String(s) })));
    }
    await p.exec();
  }
  const { replayer, all } = replayers(workflows, steps);
  const t0 = performance.now();
  const engine = new DurableEngine({ store: new RedisStore({ connection: redis.connection, prefix }), workflows: { replayer } });
  const ids = await engine.recover();
  const load = ms(t0);
  if (ids.length !== workflows) throw new Error(`R3: recovered ${ids.length} of ${workflows}`);
  await all;
  const t = ms(t0);
  await engine.close();
  return { total: t, load };
}

const cpu = os.cpus()[0]?.model ?? "unknown CPU";
const redis = await RedisServer.start({ appendonly: true });
const client = new Redis(redis.connection);
try {
  const version = /redis_version:(\S+)/.exec(await client.info("server"))?.[1];
  console.log(`redis-store bench${quick ? " (quick)" : ""}: ${new Date().toISOString()}, ${os.cpus().length} CPUs (${cpu}), node ${process.version}, Redis ${version} (appendonly yes, appendfsync everysec)`);
  const W = 1000;
  const S = quick ? 5 : 20;
  const onRedis = () => new RedisStore({ connection: redis.connection, prefix: `bench${++prefixes}` });
  await client.config("RESETSTAT");
  const r1 = await throughput(onRedis, W, S);
  const scripts = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(await client.info("commandstats"));
  const m1 = await throughput(() => new MemoryStore(), W, S);
  console.log(`R1 ${W} workflows x ${S} call steps: RedisStore ${fmt(r1.rate)} steps/s in ${r1.batches} write scripts; MemoryStore ${fmt(m1.rate)} steps/s in ${m1.batches} batches -> ${(r1.rate / m1.rate).toFixed(2)}x`);
  if (scripts !== null) console.log(`   Redis ran ${scripts[1]} scripts (creates and writes) in ${(Number(scripts[2]) / 1000).toFixed(0)} ms of server time; the run took ${((W * S) / r1.rate * 1000).toFixed(0)} ms`);

  const L = quick ? 50 : 300;
  const stepMs = await loneStepMs(onRedis(), L);
  const memMs = await loneStepMs(new MemoryStore(), L);
  const pingMs = await pingLatency(client, L);
  console.log(`R2 lone workflow: RedisStore ${stepMs.toFixed(3)} ms per call step; MemoryStore ${memMs.toFixed(3)} ms; a raw PING round trip ${pingMs.toFixed(3)} ms`);

  const R = quick ? 200 : 1000;
  const rec = await recovery(redis, client, R, 100);
  console.log(`R3 recovery of ${R} unfinished workflows x 100 steps: ${(rec.total / 1000).toFixed(2)} s, of which ${(rec.load / 1000).toFixed(2)} s to read the journals (one pipeline) and launch`);
} finally {
  client.disconnect();
  await redis.stop();
}
