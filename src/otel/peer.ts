// The OpenTelemetry API, loaded once when `yieldos/otel` is imported. The CommonJS build swaps
// this file for `peer-cjs.ts` (see tsup.config.ts), which loads it with `require`.
import { missingPeer } from "../peer.js";

const api = await import("@opentelemetry/api").catch((error: unknown) => {
  throw missingPeer(error, "yieldos/otel", "@opentelemetry/api", "^1.9.0");
});

export const { trace, context, SpanStatusCode } = api;
