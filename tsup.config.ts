import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    node: "src/node/index.ts",
    testing: "src/testing/index.ts",
    agent: "src/agent/index.ts",
    durable: "src/durable/index.ts",
    sqlite: "src/sqlite/index.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20",
  // nanoid 5 is ESM-only: bundle it so `require("yieldos")` works.
  noExternal: ["nanoid"],
  // One shared chunk for the kernel, in CJS too: `yieldos/testing` must use the same `Syscall`
  // and `Scheduler` classes as `yieldos`, or `instanceof` checks fail across entry points.
  splitting: true,
  // Optional peers stay imports, resolved by the consumer.
  external: ["better-sqlite3"],
  // yieldos/sqlite resolves its peer with createRequire(__filename ?? import.meta.url): in the CJS
  // build `import.meta` is a syntax error, and that branch never runs there.
  esbuildOptions(options, context) {
    if (context.format === "cjs") options.define = { ...options.define, "import.meta.url": "undefined" };
  },
});
