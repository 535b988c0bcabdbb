import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

/** Options for {@link startProcess}. */
export interface StartProcessOptions {
  /** Executable. */
  readonly command: string;
  readonly args?: readonly string[];
  /** Extra environment, merged over this process's. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** Name used in logs and errors. */
  readonly name: string;
  /** Lines of output kept for error messages. Default 200. */
  readonly keepLines?: number;
  /** Also echo output to this process's stderr (debugging). Default: env MM_TEST_ECHO=1. */
  readonly echo?: boolean;
}

/** A child process started by a test, with its recent output. */
export interface TestProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Recent stdout+stderr lines. */
  output(): string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  /** True once the process has ended. */
  hasExited(): boolean;
  /** Sends a signal (default SIGTERM) and waits up to `timeoutMs` for exit, then SIGKILLs. */
  stop(options?: { signal?: NodeJS.Signals; timeoutMs?: number }): Promise<number | string>;
  /** Kills at once with SIGKILL and waits for the exit. */
  kill(): Promise<number | string>;
}

const running = new Set<TestProcess>();

/** Starts a child process and tracks it, so {@link stopAllProcesses} can clean up after a test run. */
export function startProcess(options: StartProcessOptions): TestProcess {
  const child = spawn(options.command, [...(options.args ?? [])], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error(`could not start ${options.name} (${options.command})`);
  const keep = options.keepLines ?? 200;
  const echo = options.echo ?? process.env.MM_TEST_ECHO === "1";
  const lines: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line.length === 0) continue;
      lines.push(line);
      if (echo) process.stderr.write(`[${options.name}] ${line}\n`);
    }
    if (lines.length > keep) lines.splice(0, lines.length - keep);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => {
      done = true;
      running.delete(handle);
      resolve(code ?? signal ?? "unknown");
    });
  });
  const handle: TestProcess = {
    name: options.name,
    pid: child.pid,
    child,
    output: () => lines.join("\n"),
    exited,
    hasExited: () => done,
    async stop({ signal = "SIGTERM", timeoutMs = 10_000 } = {}) {
      if (done) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
    async kill() {
      if (!done) child.kill("SIGKILL");
      return exited;
    },
  };
  running.add(handle);
  return handle;
}

/** Stops every process started through {@link startProcess} that is still running. */
export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop({ timeoutMs: 5000 })));
}

const require = createRequire(import.meta.url);

/**
 * Node arguments that run a TypeScript entry point from source: the tsx loader plus the
 * `@modelmesh/source` export condition, so no build is needed.
 */
export function tsNodeArgs(entry: string, args: readonly string[] = []): string[] {
  const loader = pathToFileURL(require.resolve("tsx/esm")).href;
  return ["--import", loader, "--conditions=@modelmesh/source", entry, ...args];
}

/** Starts a TypeScript entry point from source with {@link tsNodeArgs}. */
export function startTsProcess(
  options: Omit<StartProcessOptions, "command" | "args"> & { entry: string; args?: readonly string[] },
): TestProcess {
  return startProcess({
    ...options,
    command: process.execPath,
    args: tsNodeArgs(options.entry, options.args),
  });
}
