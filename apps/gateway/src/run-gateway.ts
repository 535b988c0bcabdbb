import { isMeshError, type Logger } from "@modelmesh/core";
import type { Gateway } from "./compose/start-gateway.js";
import { loadConfig } from "./config/config.js";
import { createRootLogger, LiveLogLevel, toLoggerPort } from "./logging.js";

// Options that are read and checked but that this version's mesh does not act on yet (the
// server's options have no place for them). Setting one is reported, so nobody relies on it.
const notUsedYet = ["MM_CONC_SCALEUP_BANDWIDTH_PCT"];

/** Exit codes of the `modelmesh` process. */
export const ExitCode = {
  /** Stopped cleanly (or `--help`). */
  ok: 0,
  /** Start-up failed (store unreachable, runtime never ready, port in use, ...). */
  startupFailed: 1,
  /** The configuration is invalid; every problem was printed. */
  invalidConfig: 2,
  /** A graceful shutdown did not finish within `SHUTDOWN_TIMEOUT_MS`. */
  shutdownTimedOut: 3,
} as const;

/** What {@link runGateway} needs from the process (injected so it can be tested). */
export interface ProcessPort {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Writes user-facing text (help, config errors). */
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Registers a handler for SIGTERM and SIGINT. */
  readonly onSignal: (handler: (signal: string) => void) => void;
}

function describeError(error: unknown): string {
  if (isMeshError(error)) return error.message;
  return error instanceof Error ? error.message : String(error);
}

/** Waits for the first signal (or `abort`), then stops the gateway within the shutdown budget. */
function stopOnSignal(
  gateway: Gateway,
  timeoutMs: number,
  logger: Logger,
  signals: AbortSignal,
): Promise<number> {
  return new Promise<number>((resolve) => {
    const onStop = () => {
      const deadlineMs = Date.now() + timeoutMs;
      // A stuck drain must not keep the pod past its grace period.
      const timer = setTimeout(() => {
        logger.error({ timeoutMs }, "graceful shutdown did not finish in time; exiting");
        resolve(ExitCode.shutdownTimedOut);
      }, timeoutMs + 1000);
      timer.unref();
      void gateway.stop(deadlineMs).then(() => {
        clearTimeout(timer);
        resolve(ExitCode.ok);
      });
    };
    if (signals.aborted) onStop();
    else signals.addEventListener("abort", onStop, { once: true });
  });
}

/**
 * The whole life of a `modelmesh` process: reads the config (help → exit 0; invalid → every
 * problem on stderr, exit 2), starts the gateway (failure → one clear log line, exit 1), serves
 * until SIGTERM/SIGINT, then shuts down gracefully within `SHUTDOWN_TIMEOUT_MS`. A second signal
 * exits at once. Resolves with the exit code.
 */
export async function runGateway(io: ProcessPort): Promise<number> {
  const result = loadConfig({ argv: io.argv, env: io.env });
  if (result.kind === "help") {
    io.stdout(`${result.text}\n`);
    return ExitCode.ok;
  }
  if (result.kind === "invalid") {
    const lines = [
      `modelmesh: invalid configuration (${result.errors.length} problem${result.errors.length === 1 ? "" : "s"}):`,
      ...result.errors.map((e) => `  - ${e}`),
      ...result.warnings.map((w) => `  (warning) ${w}`),
      "Run modelmesh --help for every option.",
    ];
    io.stderr(`${lines.join("\n")}\n`);
    return ExitCode.invalidConfig;
  }
  const { config } = result;
  const root = createRootLogger();
  const logLevel = new LiveLogLevel(config.behaviour.logLevel);
  const logger = toLoggerPort(root, {
    level: logLevel,
    base: { instanceId: config.identity.instanceId, service: config.identity.serviceName },
  });
  logger.info(
    { port: config.transport.grpcPort, store: config.store.store.kind, pid: process.pid },
    "modelmesh starting",
  );
  for (const warning of result.warnings) logger.warn({}, warning);
  for (const name of notUsedYet) {
    if (io.env[name] !== undefined)
      logger.warn({ option: name }, `${name} is accepted but not used by this version yet`);
  }
  const stop = new AbortController();
  let signalCount = 0;
  io.onSignal((signal) => {
    signalCount++;
    if (signalCount > 1) {
      logger.warn({ signal }, "second signal: exiting at once");
      root.flush();
      process.exit(ExitCode.shutdownTimedOut);
    }
    logger.info({ signal }, "signal received");
    stop.abort();
  });
  let gateway: Gateway;
  try {
    // Loaded only now, so `--help` and config errors answer without loading the whole mesh.
    const { startGateway } = await import("./compose/start-gateway.js");
    gateway = await startGateway({ config, logger, logLevel, signal: stop.signal });
  } catch (error) {
    if (stop.signal.aborted) {
      logger.info({}, "stopped during start-up");
      return ExitCode.ok;
    }
    logger.error({ err: error }, `Service startup failed: ${describeError(error)}`);
    return ExitCode.startupFailed;
  }
  return stopOnSignal(gateway, config.behaviour.shutdownTimeoutMs, logger, stop.signal);
}
