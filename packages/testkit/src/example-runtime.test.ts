import { existsSync } from "node:fs";
import { connect } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { startExampleRuntime } from "./example-runtime.js";
import { stopAllProcesses } from "./processes.js";

afterAll(stopAllProcesses);

/** True when something accepts connections at the address. */
function accepts(address: { port: number } | { path: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = "port" in address ? connect(address.port, "127.0.0.1") : connect(address.path);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("startExampleRuntime()", () => {
  it("starts the runtime from source on a free port and a temp socket, and stops it", async () => {
    const runtime = await startExampleRuntime({
      socket: "temp",
      port: "free",
      args: ["--start-delay-ms", "0"],
    });
    expect(runtime.port).toBeGreaterThan(0);
    expect(runtime.socket).toMatch(/grpc\.sock$/);
    expect(await accepts({ port: runtime.port ?? 0 })).toBe(true);
    expect(await accepts({ path: runtime.socket ?? "" })).toBe(true);
    const [listening] = runtime.events("listening");
    expect(listening?.addresses).toEqual([`127.0.0.1:${runtime.port}`, `unix:${runtime.socket}`]);
    await runtime.syncEvents();
    await runtime.syncEvents();
    expect(runtime.events("events-synced").map((e) => e.n)).toEqual([1, 2]);
    expect(await runtime.stop()).toBe(0);
    expect(existsSync(runtime.socket ?? "")).toBe(false);
    await expect(runtime.waitForEvent("never-logged", undefined, 200)).rejects.toThrow(
      /exited before logging "never-logged"/,
    );
  });

  it("restarts on the same addresses after a kill", async () => {
    const runtime = await startExampleRuntime({ name: "restartable" });
    expect(await runtime.kill()).toBe("SIGKILL");
    expect(await accepts({ port: runtime.port ?? 0 })).toBe(false);
    const again = await runtime.restart();
    expect(again.port).toBe(runtime.port);
    expect(await accepts({ port: again.port ?? 0 })).toBe(true);
    expect(again.process.pid).not.toBe(runtime.process.pid);
  });

  it("fails clearly when the runtime cannot start", async () => {
    await expect(startExampleRuntime({ name: "bad-flags", args: ["--no-such-flag"] })).rejects.toThrow(
      /bad-flags exited before logging "listening":.*unknown argument "--no-such-flag"/s,
    );
  });
});
