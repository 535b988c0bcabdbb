import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { fileURLToPath } from "node:url";
import { freePort } from "./free-port.js";
import { startTsProcess, type TestProcess } from "./processes.js";
import { waitUntil } from "./wait-until.js";

/** The example runtime's entry point, run from source. */
const entry = fileURLToPath(new URL("../../../apps/example-runtime/src/main.ts", import.meta.url));

/** Options for {@link startExampleRuntime}. */
export interface ExampleRuntimeOptions {
  /** TCP port for management and inference: a number, or "free" to pick one. Default "free" unless `socket` is set. */
  readonly port?: number | "free";
  /** Unix socket path, or "temp" for a fresh one under the OS temp folder. */
  readonly socket?: string | "temp";
  /** Separate inference-only TCP port ("free" picks one). */
  readonly servingPort?: number | "free";
  /** Extra command-line flags (see `example-runtime --help`), e.g. `["--start-delay-ms", "500"]`. */
  readonly args?: readonly string[];
  /** Extra environment (e.g. `TRITON_NOT_FOUND_BEHAVIOUR: "true"`). */
  readonly env?: Readonly<Record<string, string>>;
  /** Name in logs. Default "example-runtime". */
  readonly name?: string;
  /** How long to wait for the runtime to listen. Default 60 000 ms (a loaded 2-core machine). */
  readonly startTimeoutMs?: number;
}

/** One line the example runtime logged (it logs one JSON object per line). */
export interface RuntimeEvent {
  readonly event: string;
  readonly [field: string]: unknown;
}

/** A running example runtime child process. */
export interface TestExampleRuntime {
  readonly process: TestProcess;
  /** TCP port, when listening on one. */
  readonly port?: number;
  /** Unix socket path, when listening on one. */
  readonly socket?: string;
  /** Separate serving port, when configured. */
  readonly servingPort?: number;
  /**
   * The events read so far, optionally only those named `event`. Lines travel over a pipe, so an
   * event logged just before an RPC answer may not be here yet when the answer is: use
   * {@link syncEvents} (or {@link waitForEvent}) before asserting on counts.
   */
  events(event?: string): RuntimeEvent[];
  /**
   * Waits until every event the runtime logged before this call has been read: sends SIGUSR2, to
   * which the runtime answers with an `events-synced` line, and waits for that line. Call it
   * from one place at a time.
   */
  syncEvents(timeoutMs?: number): Promise<void>;
  /** Waits until an event named `event` (matching `where`) is logged, and returns it. */
  waitForEvent(
    event: string,
    where?: (e: RuntimeEvent) => boolean,
    timeoutMs?: number,
  ): Promise<RuntimeEvent>;
  /** Stops it (SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<number | string>;
  /** Kills it at once (SIGKILL), as a crash would. */
  kill(): Promise<number | string>;
  /** Starts a new process with the same addresses and options (after a stop or kill). */
  restart(): Promise<TestExampleRuntime>;
}

/** Marks "the process has exited" while waiting for an event. */
const exited: RuntimeEvent = Object.freeze({ event: "(exited)" });

function parseEvent(line: string): RuntimeEvent | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === "object" && parsed !== null && "event" in parsed
      ? (parsed as RuntimeEvent)
      : undefined;
  } catch {
    return undefined; // Not one of the runtime's event lines.
  }
}

/**
 * Collects the event lines of a child's stdout as they arrive. A pipe read can end inside a line,
 * so the unfinished tail is kept until its newline comes.
 */
function collectEvents(child: TestProcess): RuntimeEvent[] {
  const events: RuntimeEvent[] = [];
  const decoder = new StringDecoder("utf8");
  let tail = "";
  child.child.stdout?.on("data", (chunk: Buffer) => {
    const lines = (tail + decoder.write(chunk)).split("\n");
    tail = lines.pop() ?? "";
    for (const line of lines) {
      const event = parseEvent(line);
      if (event !== undefined) events.push(event);
    }
  });
  return events;
}

interface ResolvedAddresses {
  readonly port?: number;
  readonly socket?: string;
  readonly servingPort?: number;
}

async function resolveAddresses(options: ExampleRuntimeOptions): Promise<ResolvedAddresses> {
  const pick = async (value: number | "free" | undefined) => (value === "free" ? freePort() : value);
  const socket =
    options.socket === "temp" ? join(mkdtempSync(join(tmpdir(), "mm-rt-")), "grpc.sock") : options.socket;
  const port = await pick(options.port ?? (socket === undefined ? "free" : undefined));
  const servingPort = await pick(options.servingPort);
  return {
    ...(port === undefined ? {} : { port }),
    ...(socket === undefined ? {} : { socket }),
    ...(servingPort === undefined ? {} : { servingPort }),
  };
}

async function launch(
  options: ExampleRuntimeOptions,
  addresses: ResolvedAddresses,
): Promise<TestExampleRuntime> {
  const args = [
    ...(addresses.port === undefined ? [] : ["--port", String(addresses.port)]),
    ...(addresses.socket === undefined ? [] : ["--socket", addresses.socket]),
    ...(addresses.servingPort === undefined ? [] : ["--serving-port", String(addresses.servingPort)]),
    ...(options.args ?? []),
  ];
  const child = startTsProcess({
    name: options.name ?? "example-runtime",
    entry,
    args,
    keepLines: 5000,
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  const received = collectEvents(child);
  const events = (event?: string) => received.filter((e) => event === undefined || e.event === event);
  const waitForEvent = async (
    event: string,
    where: (e: RuntimeEvent) => boolean = () => true,
    timeoutMs = 10_000,
  ) => {
    // Stop waiting as soon as the process is gone: the event can no longer come.
    const found = await waitUntil(
      () => events(event).find(where) ?? (child.hasExited() ? exited : undefined),
      {
        timeoutMs,
        description: `${child.name} event "${event}"`,
      },
    );
    if (found === exited)
      throw new Error(`${child.name} exited before logging "${event}":\n${child.output()}`);
    return found;
  };
  const syncEvents = async (timeoutMs = 10_000) => {
    const before = events("events-synced").length;
    child.child.kill("SIGUSR2");
    await waitForEvent("events-synced", (e) => Number(e.n) > before, timeoutMs);
  };
  await waitForEvent("listening", undefined, options.startTimeoutMs ?? 60_000).catch((error: unknown) => {
    void child.kill();
    throw error;
  });
  return {
    process: child,
    ...addresses,
    events,
    syncEvents,
    waitForEvent,
    stop: () => child.stop({ timeoutMs: 5000 }),
    kill: () => child.kill(),
    async restart() {
      await child.stop({ timeoutMs: 5000 });
      return launch(options, addresses);
    },
  };
}

/**
 * Starts the example runtime (`apps/example-runtime`) from source as a child process, on a free
 * port and/or a Unix socket, and resolves once it listens. Stop it in teardown (or rely on
 * `stopAllProcesses`).
 */
export async function startExampleRuntime(options: ExampleRuntimeOptions = {}): Promise<TestExampleRuntime> {
  return launch(options, await resolveAddresses(options));
}

/** Removes a socket folder made by `socket: "temp"` (optional tidy-up; the OS temp folder is fine). */
export function removeSocketDir(socketPath: string): void {
  rmSync(join(socketPath, ".."), { recursive: true, force: true });
}
