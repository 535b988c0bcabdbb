import { freePort } from "@modelmesh/testkit/free-port";
import { afterEach, describe, expect, it } from "vitest";
import { closeHttp, startPrestopServer, startProbeServer } from "./http-servers.js";

const servers: Awaited<ReturnType<typeof startProbeServer>>[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map(closeHttp));
});

describe("startProbeServer()", () => {
  it("answers /live and /ready from the callbacks, 404 elsewhere", async () => {
    const port = await freePort();
    let ready = false;
    servers.push(await startProbeServer({ port, isLive: () => true, isReady: () => ready }));
    const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`).then((r) => r.status);
    expect(await get("/live")).toBe(200);
    expect(await get("/ready")).toBe(503);
    ready = true;
    expect(await get("/ready")).toBe(200);
    expect(await get("/other")).toBe(404);
  });
});

describe("startPrestopServer()", () => {
  it("blocks /prestop until the process is exiting", async () => {
    const port = await freePort();
    let exit: () => void = () => {};
    const exiting = new Promise<void>((resolve) => {
      exit = resolve;
    });
    servers.push(await startPrestopServer({ port, exiting, maxWaitMs: 60_000 }));
    let answered = false;
    const call = fetch(`http://127.0.0.1:${port}/prestop`).then(async (r) => {
      answered = true;
      return r.text();
    });
    expect(await fetch(`http://127.0.0.1:${port}/nope`).then((r) => r.status)).toBe(404);
    expect(answered).toBe(false);
    exit();
    expect(await call).toBe("exiting");
  });

  it("gives up after maxWaitMs", async () => {
    const port = await freePort();
    servers.push(await startPrestopServer({ port, exiting: new Promise(() => {}), maxWaitMs: 50 }));
    expect(await fetch(`http://127.0.0.1:${port}/prestop`).then((r) => r.text())).toBe("timeout");
  });
});
