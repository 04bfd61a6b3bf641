import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    node: "src/node/index.ts",
    testing: "src/testing/index.ts",
    agent: "src/agent/index.ts",
    mcp: "src/mcp/index.ts",
    otel: "src/otel/index.ts",
    bullmq: "src/bullmq/index.ts",
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
  // Class names survive in both builds (the CJS transform would otherwise rename classes `_class2`).
  keepNames: true,
  // tsup builds split CJS as ESM and converts it afterwards, so the plugin below learns the
  // format from this define rather than from esbuild's `format`.
  esbuildOptions(options, { format }) {
    options.define = { ...options.define, __YIELDOS_FORMAT__: JSON.stringify(format) };
    // yieldos/sqlite resolves its peer with createRequire(__filename ?? import.meta.url): in the CJS
    // build `import.meta` is a syntax error, and that branch never runs there.
    if (format === "cjs") options.define["import.meta.url"] = "undefined";
  },
  esbuildPlugins: [
    {
      // An integration loads its optional peer in `peer.ts` with a top-level `await import()`, so
      // that a missing peer fails on import with a message naming it. CommonJS has no top-level
      // await: there `peer-cjs.ts` loads the same modules with `require`.
      name: "peer-cjs",
      setup(build) {
        if (build.initialOptions.define?.__YIELDOS_FORMAT__ !== '"cjs"') return;
        build.onResolve({ filter: /^\.\/peer\.js$/ }, (args) =>
          /[\\/]src[\\/](mcp|otel|bullmq)$/.test(args.resolveDir) ? { path: `${args.resolveDir}/peer-cjs.ts` } : undefined,
        );
      },
    },
  ],
});
