import {
  createMeshStore,
  createStoreLayout,
  type KvEntry,
  type KvSessionRecreated,
  type KvStore,
  type KvWatch,
  type KvWatchListener,
} from "@modelmesh/core";
import { type EtcdServer, startEtcd, stopAllEtcd } from "@modelmesh/testkit/etcd";
import { startTcpProxy, type TcpProxy } from "@modelmesh/testkit/tcp-proxy";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectEtcdStore } from "../src/index.js";

let etcd: EtcdServer;
let proxy: TcpProxy;
beforeAll(async () => {
  etcd = await startEtcd(); // fast raft timing: 2 s leases are honoured
  proxy = await startTcpProxy({ targetPort: etcd.clientPort });
});
afterAll(async () => {
  await proxy?.close();
  await stopAllEtcd();
});

/**
 * The etcd store with its watches' deliveries held back on demand: a mirror that lags behind
 * etcd, as one does while its watch reconnects. Every other call goes straight through.
 */
class LaggingWatches implements KvStore {
  readonly kind: string;
  readonly #inner: KvStore;
  #held: (() => void)[] | undefined;

  constructor(inner: KvStore) {
    this.#inner = inner;
    this.kind = inner.kind;
  }

  /** Holds back every watch delivery from now on. */
  hold(): void {
    this.#held ??= [];
  }

  /** Delivers what was held back, in order, and stops holding. */
  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const deliver of held) deliver();
  }

  get: KvStore["get"] = (key, options) => this.#inner.get(key, options);
  range: KvStore["range"] = (prefix, options) => this.#inner.range(prefix, options);
  putIfRevision: KvStore["putIfRevision"] = (request, options) => this.#inner.putIfRevision(request, options);
  deleteIfRevision: KvStore["deleteIfRevision"] = (request, options) =>
    this.#inner.deleteIfRevision(request, options);
  transaction: KvStore["transaction"] = (transaction, options) =>
    this.#inner.transaction(transaction, options);
  openSession: KvStore["openSession"] = (options) => this.#inner.openSession(options);
  close: KvStore["close"] = () => this.#inner.close();

  watch(prefix: string, listener: KvWatchListener): KvWatch {
    const later = (deliver: () => void) => {
      if (this.#held === undefined) deliver();
      else this.#held.push(deliver);
    };
    return this.#inner.watch(prefix, {
      snapshot: (entries, revision) => {
        const copied: KvEntry[] = [...entries];
        later(() => listener.snapshot(copied, revision));
      },
      events: (events, revision) => later(() => listener.events(events, revision)),
      status: (status) => later(() => listener.status?.(status)),
    });
  }
}

const layout = createStoreLayout({ serviceName: `fence-${Date.now()}` });

// Two ways a candidate cut off from etcd could lead next to the real leader: still believing in
// its lease after etcd expired it (the other candidate took over at once), and, once back, leading
// on a mirror that still shows its key as it was before the loss, with its old, lowest create
// revision, while the other candidate's fresh view makes that one the leader.
describe("leader election across a lost session", () => {
  it("steps down before etcd expires the lease, and does not lead on its key's old entry after", async () => {
    const lagging = new LaggingWatches(
      await connectEtcdStore({
        connection: { endpoints: [proxy.hostPort], rootPrefix: "" },
        requestTimeoutMs: 1000,
      }),
    );
    const other = await connectEtcdStore({ connection: { endpoints: [etcd.hostPort], rootPrefix: "" } });
    try {
      const first = createMeshStore({ kv: lagging, layout });
      const second = createMeshStore({ kv: other, layout });
      const firstSession = await first.openSession({ ttlMs: 2000 });
      const recreated: KvSessionRecreated[] = [];
      firstSession.onRecreated((info) => recreated.push(info));
      const a = first.joinElection({ session: firstSession, candidateId: "_a" });
      await a.ready;
      await waitUntil(() => a.isLeader(), { description: "a leads" });
      const b = second.joinElection({
        session: await second.openSession({ ttlMs: 2000 }),
        candidateId: "_b",
      });
      await b.ready;

      // a's mirror stops following; a is cut off until its lease is gone and b leads.
      lagging.hold();
      proxy.cut();
      await waitUntil(() => b.isLeader(), {
        timeoutMs: 10_000,
        description: "b leads once a's lease expired",
      });
      expect(a.isLeader()).toBe(false);

      // a is back: a new lease, its key put again (created after b's). Its mirror still shows
      // the old key, created first.
      proxy.pass();
      await waitUntil(() => recreated.length === 1, {
        timeoutMs: 10_000,
        description: "a's session re-created",
      });
      expect(b.isLeader()).toBe(true);
      expect(a.isLeader()).toBe(false);

      lagging.release();
      await waitUntil(() => a.leaderId() === "_b", { description: "a's mirror caught up" });
      expect(a.isLeader()).toBe(false);
      expect(b.isLeader()).toBe(true);
      // And once b leaves, a leads on its own fresh key.
      await b.resign();
      await waitUntil(() => a.isLeader(), { description: "a leads after b resigned" });
      await a.resign();
    } finally {
      proxy.pass();
      await Promise.all([lagging.close(), other.close()]);
    }
  }, 40_000);
});
