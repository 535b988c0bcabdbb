/**
 * The example runtime as a library: start it in-process, or parse its command line. The
 * executable is `bin/example-runtime.js` (`src/main.ts`).
 */
export type { ConfigResult, ListenAddress, NotFoundBehaviour, RuntimeConfig } from "./config.js";
export { parseRuntimeConfig, shippedModelsDir, usage } from "./config.js";
export type { EventLog, LogFields } from "./log.js";
export { silentEventLog, stdoutEventLog } from "./log.js";
export type { ExampleRuntime } from "./server.js";
export { startExampleRuntime } from "./server.js";
export { streamPredictMethod } from "./services/stream-predict.js";
