import { afterAll, describe, expect, it } from "vitest";
import { freePort, freePorts } from "./free-port.js";
import { startProcess, stopAllProcesses } from "./processes.js";
import { waitUntil } from "./wait-until.js";

afterAll(stopAllProcesses);

describe("waitUntil()", () => {
  it("returns the first truthy value", async () => {
    let calls = 0;
    const value = await waitUntil(() => (++calls >= 3 ? "ok" : undefined), { intervalMs: 1 });
    expect(value).toBe("ok");
    expect(calls).toBe(3);
  });

  it("fails at the deadline with the last error", async () => {
    await expect(
      waitUntil(
        () => {
          throw new Error("not yet");
        },
        { timeoutMs: 50, intervalMs: 5, description: "the thing" },
      ),
    ).rejects.toThrow(/timed out after 50 ms waiting for the thing: last error: not yet/);
  });
});

describe("freePort()", () => {
  it("hands out distinct ports", async () => {
    const ports = await freePorts(5);
    expect(new Set(ports).size).toBe(5);
    expect(await freePort()).not.toBe(ports[0]);
  });
});

describe("startProcess()", () => {
  it("captures output and reports the exit code", async () => {
    const p = startProcess({ name: "echo", command: "sh", args: ["-c", "echo hello; exit 3"] });
    expect(await p.exited).toBe(3);
    expect(p.output()).toBe("hello");
  });

  it("stops a process that ignores SIGTERM with SIGKILL", async () => {
    const p = startProcess({
      name: "stubborn",
      command: "sh",
      args: ["-c", "trap '' TERM; echo up; sleep 30"],
    });
    await waitUntil(() => p.output().includes("up"));
    expect(await p.stop({ timeoutMs: 100 })).toBe("SIGKILL");
  });
});
