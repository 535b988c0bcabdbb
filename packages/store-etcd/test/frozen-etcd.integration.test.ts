import type { KvStore } from "@modelmesh/core";
import { type EtcdServer, startEtcd, stopAllEtcd } from "@modelmesh/testkit/etcd";
import { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectEtcdStore } from "../src/index.js";

let etcd: EtcdServer;
let raw: Etcd3;
let kv: KvStore;
beforeAll(async () => {
  etcd = await startEtcd();
  raw = new Etcd3({ hosts: etcd.hostPort });
  kv = await connectEtcdStore({ connection: { endpoints: [etcd.hostPort], rootPrefix: "" } });
});
afterAll(async () => {
  etcd?.thaw();
  raw?.close();
  await kv?.close();
  await stopAllEtcd();
});

/** Reads a key as etcd has it now, or null when absent. */
const stored = (key: string) => raw.get(key).string();

// A frozen etcd (SIGSTOP) still takes bytes into its socket buffers and acts on them when it
// resumes. A write whose caller was already told it failed must never be applied then.
describe("writes while etcd is frozen", () => {
  it("are refused within their deadline, not sent, and never applied after etcd resumes", async () => {
    await kv.get("/frozen/warm-up"); // the connection is up and idle before the freeze
    await etcd.freeze();
    const gaveUp = new AbortController();
    const failure = (error: unknown) => error;
    let abandoned: unknown;
    let timedOut: unknown;
    let timedOutAfterMs = 0;
    try {
      // Its caller gives up (a client that went away) long before the write's own deadline.
      const write = kv.putIfRevision(
        { key: "/frozen/abandoned", value: "late", expectedRevision: 0 },
        { signal: gaveUp.signal, timeoutMs: 20_000 },
      );
      setTimeout(() => gaveUp.abort(new Error("the client went away")), 300);
      abandoned = await write.then(() => "applied", failure);
      // Its deadline passes while etcd is frozen.
      const started = Date.now();
      timedOut = await kv
        .putIfRevision({ key: "/frozen/timed-out", value: "late", expectedRevision: 0 }, { timeoutMs: 1000 })
        .then(() => "applied", failure);
      timedOutAfterMs = Date.now() - started;
    } finally {
      etcd.thaw();
    }
    // A write made after the thaw travels the same connection behind anything still queued.
    const after = await kv.putIfRevision({ key: "/frozen/after", value: "ok", expectedRevision: 0 });
    expect(after.ok).toBe(true);
    expect(await stored("/frozen/after")).toBe("ok");
    expect(await stored("/frozen/abandoned")).toBeNull();
    expect(await stored("/frozen/timed-out")).toBeNull();
    expect(abandoned).toMatchObject({ code: "CANCELLED" });
    // Refused at its deadline (with room for a busy machine), saying it was never sent.
    expect(timedOut).toMatchObject({
      code: "STORE_UNAVAILABLE",
      message: expect.stringContaining("not sent"),
    });
    expect(timedOutAfterMs).toBeLessThan(1000 + 2000);
  }, 30_000);
});
