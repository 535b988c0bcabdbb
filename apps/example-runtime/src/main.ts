import { parseRuntimeConfig, usage } from "./config.js";
import { stdoutEventLog } from "./log.js";
import { startExampleRuntime } from "./server.js";

// The example runtime's executable: `node apps/example-runtime [flags]` (after a build) or
// `bin/example-runtime.js`. Configuration errors are all printed, then exit code 2.
const argv = process.argv.slice(2);
if (argv.includes("--help")) {
  process.stdout.write(usage);
  process.exit(0);
}
const parsed = parseRuntimeConfig(argv, process.env);
if (!parsed.ok) {
  process.stderr.write(
    `example-runtime: invalid configuration:\n${parsed.errors.map((e) => `  - ${e}\n`).join("")}`,
  );
  process.exit(2);
}
const log = stdoutEventLog();
const runtime = await startExampleRuntime(parsed.config, log);
// A barrier for tests reading the event lines: every line written before this signal arrived is
// already in the pipe when "events-synced" shows up (see testkit's syncEvents()).
let syncs = 0;
process.on("SIGUSR2", () => log.event("events-synced", { n: ++syncs }));
log.event("listening", {
  addresses: runtime.addresses.map((a) =>
    a.t === "tcp" ? `${parsed.config.host}:${a.port}` : `unix:${a.path}`,
  ),
  readyAfterMs: parsed.config.startDelayMs,
  modelsDir: parsed.config.modelsDir,
});

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  runtime.close().then(
    () => {
      log.event("stopped", { signal, requestCount: runtime.state.requestCount });
      process.exit(0);
    },
    (error: unknown) => {
      log.event("stop-failed", { error: String(error) });
      process.exit(1);
    },
  );
};
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));
