import { describe, expect, it } from "vitest";
import { ExitCode, runGateway } from "./run-gateway.js";

function io(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    port: {
      argv,
      env,
      stdout: (text: string) => out.push(text),
      stderr: (text: string) => err.push(text),
      onSignal: () => {},
    },
  };
}

describe("runGateway()", () => {
  it("prints help and exits 0", async () => {
    const { port, out } = io(["--help"]);
    expect(await runGateway(port)).toBe(ExitCode.ok);
    expect(out.join("")).toContain("Usage: modelmesh");
  });

  it("prints every config problem and exits 2 without starting anything", async () => {
    const { port, err } = io(["--nope=1"], { MM_SVC_GRPC_PORT: "x", MM_PROBE_PORT: "70000" });
    expect(await runGateway(port)).toBe(ExitCode.invalidConfig);
    const text = err.join("");
    expect(text).toContain("invalid configuration (3 problems)");
    expect(text).toContain('MM_SVC_GRPC_PORT="x"');
    expect(text).toContain('MM_PROBE_PORT="70000"');
    expect(text).toContain("unknown option --nope");
  });
});
