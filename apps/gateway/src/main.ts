// The `modelmesh` executable: runs one mesh instance until SIGTERM/SIGINT (see run-gateway.ts).
import { runGateway } from "./run-gateway.js";

const code = await runGateway({
  argv: process.argv.slice(2),
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  onSignal: (handler) => {
    process.on("SIGTERM", () => handler("SIGTERM"));
    process.on("SIGINT", () => handler("SIGINT"));
  },
});
// Open handles (timers of a stuck drain, idle sockets) must not keep a stopped process alive.
// pino writes synchronously to stdout, so nothing logged is lost.
process.exit(code);
