// The CommonJS build's `peer.ts` (see tsup.config.ts): the OpenTelemetry API loaded with `require`.
import { missingPeer } from "../peer.js";

type Api = typeof import("@opentelemetry/api");

let api: Api;
try {
  api = require("@opentelemetry/api") as Api;
} catch (error) {
  throw missingPeer(error, "yieldos/otel", "@opentelemetry/api", "^1.9.0");
}

export const { trace, context, SpanStatusCode } = api;
