import type { MirrorEvent } from "@modelmesh/core";
import { type EtcdServer, startEtcd, stopAllEtcd } from "@modelmesh/testkit/etcd";
import { startTcpProxy, type TcpProxy } from "@modelmesh/testkit/tcp-proxy";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { Etcd3 } from "etcd3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connectMesh, jsonCodec } from "./helpers.js";

type Json = Record<string, unknown>;

let etcd: EtcdServer;
let proxy: TcpProxy;
const closers: (() => Promise<unknown>)[] = [];
beforeAll(async () => {
  etcd = await startEtcd();
  proxy = await startTcpProxy({ targetPort: etcd.clientPort });
});
afterEach(async () => {
  proxy.pass();
  await Promise.all(closers.splice(0).map((close) => close()));
});
afterAll(async () => {
  await proxy.close();
  await stopAllEtcd();
});

/**
 * A watcher connected through the proxy (so the test can keep it away from etcd) and a writer
 * connected directly, on the same service.
 */
async function watcherAndWriter() {
  const watcher = await connectMesh(proxy.hostPort);
  const writer = await connectMesh(etcd.hostPort, {
    serviceName: watcher.serviceName,
    requestTimeoutMs: 3_000,
  });
  closers.push(
    () => watcher.kv.close(),
    () => writer.kv.close(),
  );
  const mirror = watcher.mesh.table("registry", jsonCodec).mirror();
  await mirror.ready;
  const events: MirrorEvent<Json>[] = [];
  mirror.subscribe((event) => events.push(event));
  const table = writer.mesh.table("registry", jsonCodec);
  return { mirror, events, table };
}

/** id → revision, to compare a mirror with a fresh read. */
function revisions(entries: Iterable<[string, { revision: number }]>): Map<string, number> {
  return new Map([...entries].map(([id, record]) => [id, record.revision]));
}

const increment = (current: { value: Json } | undefined) => ({
  put: { n: Number(current?.value.n ?? 0) + 1 },
});

describe("a mirror across etcd faults (§1.6 watches)", () => {
  it("misses no event when etcd restarts: it resumes after its last revision", async () => {
    const { mirror, events, table } = await watcherAndWriter();
    let writes = 0;
    for (let i = 0; i < 20; i++, writes++) await table.update(`before-${i % 5}`, increment);
    await waitUntil(() => events.length === writes);

    await etcd.kill();
    await waitUntil(() => mirror.status() === "disconnected");
    expect(mirror.get("before-0")?.value).toEqual({ n: 4 });
    proxy.cut(); // keep the watcher away until the writer is done
    await etcd.restart();
    await waitUntil(() => table.get("before-0").then(() => true), { timeoutMs: 10_000 });
    for (let i = 0; i < 30; i++, writes++) await table.update(`after-${i % 7}`, increment);
    await table.update("before-1", () => ({ delete: true }));
    writes++;
    proxy.pass();

    await waitUntil(() => events.length >= writes, { timeoutMs: 10_000 });
    await waitUntil(() => mirror.status() === "live");
    expect(revisions(mirror)).toEqual(revisions((await table.list()).records));
    expect(events).toHaveLength(writes);
    expect(events.at(-1)).toMatchObject({ type: "deleted", id: "before-1" });
  });

  it("reads the table again when its history was compacted, reporting exactly what changed", async () => {
    const { mirror, events, table } = await watcherAndWriter();
    for (const id of ["keep", "change", "remove"]) await table.update(id, increment);
    await waitUntil(() => mirror.size === 3);
    events.length = 0;

    proxy.cut();
    await waitUntil(() => mirror.status() === "disconnected");
    await table.update("change", increment);
    await table.update("remove", () => ({ delete: true }));
    await table.update("add", increment);
    await table.update("transient", increment);
    await table.update("transient", () => ({ delete: true }));
    const raw = new Etcd3({ hosts: etcd.hostPort });
    const { header } = await raw.get("anything").exec();
    await raw.kv.compact({ revision: header.revision, physical: true });
    raw.close();
    proxy.pass();

    await waitUntil(() => events.length === 3, { timeoutMs: 10_000 });
    expect(events.map((e) => `${e.type} ${e.id}`).sort()).toEqual([
      "added add",
      "deleted remove",
      "updated change",
    ]);
    expect(revisions(mirror)).toEqual(revisions((await table.list()).records));
    expect(mirror.get("change")?.value).toEqual({ n: 2 });
  });

  it("keeps serving the last state while etcd is unreachable; writes fail retryably within their deadline", async () => {
    const { mirror, events, table } = await watcherAndWriter();
    await table.update("m", increment);
    await waitUntil(() => mirror.get("m") !== undefined);
    const { mesh: cutOff } = await connectMesh(proxy.hostPort, { serviceName: "unreachable-writer" });
    const cutTable = cutOff.table("registry", jsonCodec);
    closers.push(() => cutOff.close());

    proxy.cut();
    await waitUntil(() => mirror.status() === "disconnected");
    const refused = await timed(() => cutTable.create("x", { n: 1 }, { timeoutMs: 1_000 }));
    expect(refused.error).toMatchObject({ code: "STORE_UNAVAILABLE" });
    expect(refused.error?.retryable).toBe(true);
    // Within the deadline, plus slack for a loaded machine's timers (the default deadline is 10 s).
    expect(refused.ms).toBeLessThan(1_700);
    proxy.drop(); // now the bytes vanish instead (a black hole): the deadline must still hold
    const swallowed = await timed(() => cutTable.create("y", { n: 1 }, { timeoutMs: 800 }));
    expect(swallowed.error).toMatchObject({ code: "STORE_UNAVAILABLE" });
    // At the deadline, or sooner: a write waits for etcd's answer to a liveness read, which fails
    // at once while the client still counts the connection as broken.
    expect(swallowed.ms).toBeLessThan(1_500);
    expect(mirror.get("m")?.value).toEqual({ n: 1 });

    await table.update("m", increment);
    proxy.pass();
    await waitUntil(() => cutTable.create("z", { n: 1 }, { timeoutMs: 1_000 }).then((o) => o.ok), {
      timeoutMs: 10_000,
    });
    await waitUntil(() => mirror.get("m")?.value.n === 2, { timeoutMs: 10_000 });
    expect(mirror.status()).toBe("live");
    expect(events.filter((e) => e.id === "m").map((e) => e.type)).toEqual(["added", "updated"]);
  });
});

async function timed(
  call: () => Promise<unknown>,
): Promise<{ ms: number; error?: { code: string; retryable: boolean } }> {
  const started = Date.now();
  try {
    await call();
    return { ms: Date.now() - started };
  } catch (error) {
    return { ms: Date.now() - started, error: error as { code: string; retryable: boolean } };
  }
}
