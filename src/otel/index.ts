export { instrument, type InstrumentOptions, type Instrumentation } from "./instrument.js";
