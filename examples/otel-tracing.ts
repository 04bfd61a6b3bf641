/**
 * Traces a small crawler with OpenTelemetry: `instrument(sched)` turns its tasks into spans
 * along the process tree and its ring ops into child spans, and a `fetch` made inside `call(fn)`
 * (wrapped here the way a fetch instrumentation would) nests under its op. Spans go to the SDK's
 * in-memory exporter and are printed as a tree; swap in an OTLP exporter to send them elsewhere.
 *
 *   npx tsx examples/otel-tracing.ts
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { Scheduler, call, fork, sleep, waitAll } from "../src/index.js";
import { instrument } from "../src/otel/index.js";

/** Runs the crawler against a local HTTP server and returns the span tree, one line per span. */
export async function runOtelTracing(): Promise<string[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer("crawler");
  // On Node, this carries the active span across `await`s inside call(fn).
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const server = createServer((req, res) => res.end(`page ${req.url}`));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // What a fetch instrumentation does: a client span in the active context around each request.
  const tracedFetch = (url: string, signal: AbortSignal) =>
    tracer.startActiveSpan(`GET ${new URL(url).pathname}`, async (span) => {
      try {
        return await (await fetch(url, { signal })).text();
      } finally {
        span.end();
      }
    });

  try {
    const sched = new Scheduler();
    const tracing = instrument(sched, { tracer });
    function* page(path: string) {
      yield* sleep(5);
      return yield* call((signal) => tracedFetch(base + path, signal));
    }
    sched.spawn(function* crawler() {
      const kids = [];
      for (const path of ["/a", "/b"]) kids.push(yield* fork(page(path), { name: `page ${path}` }));
      return yield* waitAll(kids);
    });
    await sched.run();
    tracing.uninstall();
    return tree(exporter.getFinishedSpans());
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    contextManager.disable();
    context.disable();
    await provider.shutdown();
  }
}

/** The spans as an indented tree, children in start order. Internal tasks of `waitAll` left out. */
function tree(spans: ReadableSpan[]): string[] {
  const kids = new Map<string | undefined, ReadableSpan[]>();
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  for (const s of spans) {
    const parent = s.parentSpanContext?.spanId;
    const key = parent !== undefined && ids.has(parent) ? parent : undefined;
    kids.set(key, [...(kids.get(key) ?? []), s]);
  }
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    const children = (kids.get(parent) ?? []).sort((a, b) => hr(a.startTime) - hr(b.startTime));
    for (const s of children) {
      if (s.name.startsWith("task waitAll:")) continue;
      const outcome = s.attributes["yieldos.op.outcome"];
      lines.push(`${"  ".repeat(depth)}${s.name}${outcome === undefined ? "" : ` (${outcome})`}`);
      walk(s.spanContext().spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines;
}

const hr = ([s, ns]: [number, number]) => s * 1e9 + ns;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const line of await runOtelTracing()) console.log(line);
}
