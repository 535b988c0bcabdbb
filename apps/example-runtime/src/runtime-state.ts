import type { RuntimeConfig } from "./config.js";
import type { EventLog } from "./log.js";
import { ModelRegistry } from "./model-registry.js";

/** Everything the services share: settings, the loaded models, the log and a few counters. */
export interface RuntimeState {
  readonly config: RuntimeConfig;
  readonly registry: ModelRegistry;
  readonly log: EventLog;
  /** performance.now() after which runtimeStatus answers READY (or FAILING). */
  readonly readyAtMs: number;
  /** unloadModel calls still to fail (the `--unload-failures` knob). */
  unloadFailuresLeft: number;
  /** Inference calls answered, for the shutdown line. */
  requestCount: number;
}

/** Creates the shared state of one runtime; the start delay counts from now. */
export function createRuntimeState(config: RuntimeConfig, log: EventLog): RuntimeState {
  return {
    config,
    log,
    registry: new ModelRegistry({
      modelsDir: config.modelsDir,
      defaultModelSizeBytes: config.defaultModelSizeBytes,
      log,
    }),
    readyAtMs: performance.now() + config.startDelayMs,
    unloadFailuresLeft: config.unloadFailures,
    requestCount: 0,
  };
}

/** True once the start delay has passed. */
export function isStarted(state: RuntimeState): boolean {
  return performance.now() >= state.readyAtMs;
}
