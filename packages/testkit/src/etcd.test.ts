import { existsSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { type EtcdServer, etcdBinary, startEtcd, stopAllEtcd } from "./etcd.js";
import { startEtcdCluster } from "./etcd-cluster.js";
import { stopAllProcesses } from "./processes.js";

afterAll(async () => {
  await stopAllEtcd();
  await stopAllProcesses();
});

describe("startEtcd()", () => {
  it("runs a real etcd on a free loopback port that keeps its data across a restart", async () => {
    const etcd = await startEtcd();
    await gatewayPut(etcd.endpoint, "k", "v");
    await etcd.restart();
    expect(await gatewayGet(etcd.endpoint, "k")).toBe("v");
    await etcd.destroy();
    expect(etcd.process()).toBeUndefined();
    expect(existsSync(etcd.dataDir)).toBe(false);
  });

  it("freezes (nothing answers, connections still accepted) and thaws", async () => {
    const etcd = await startEtcd();
    await etcd.freeze();
    const frozen = await fetch(`${etcd.endpoint}/health`, { signal: AbortSignal.timeout(500) }).then(
      () => "answered",
      (error: unknown) => (error instanceof Error ? error.name : String(error)),
    );
    expect(frozen).toBe("TimeoutError");
    etcd.thaw();
    await gatewayPut(etcd.endpoint, "after-thaw", "ok");
    expect(await gatewayGet(etcd.endpoint, "after-thaw")).toBe("ok");
    await etcd.destroy();
  });

  it("names ./scripts/test when etcd is not installed", () => {
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      expect(() => etcdBinary()).toThrow(/etcd is not installed.*\.\/scripts\/test/);
    } finally {
      process.env.PATH = path;
    }
  });
});

describe("startEtcdCluster()", () => {
  it("starts three members that elect a new leader when the leader is killed", async () => {
    const cluster = await startEtcdCluster();
    const leader = await cluster.leader();
    await leader.kill();
    const next = await cluster.leader();
    expect(next).not.toBe(leader);
    const survivor = cluster.members.find((m) => m !== leader) as EtcdServer;
    await gatewayPut(survivor.endpoint, "after-failover", "ok");
    expect(await gatewayGet(survivor.endpoint, "after-failover")).toBe("ok");
    await cluster.destroy();
  });
});

/** Writes a key through etcd's JSON gateway (keys and values are base64 there). */
async function gatewayPut(endpoint: string, key: string, value: string): Promise<void> {
  const body = JSON.stringify({ key: btoa(key), value: btoa(value) });
  const response = await fetch(`${endpoint}/v3/kv/put`, { method: "POST", body });
  expect(response.ok).toBe(true);
}

/** Reads a key through etcd's JSON gateway. */
async function gatewayGet(endpoint: string, key: string): Promise<string | undefined> {
  const response = await fetch(`${endpoint}/v3/kv/range`, {
    method: "POST",
    body: JSON.stringify({ key: btoa(key) }),
  });
  const body = (await response.json()) as { kvs?: { value: string }[] };
  const value = body.kvs?.[0]?.value;
  return value === undefined ? undefined : atob(value);
}
