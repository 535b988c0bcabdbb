import { type EtcdServer, startEtcd } from "./etcd.js";
import { freePorts } from "./free-port.js";
import { waitUntil } from "./wait-until.js";

/** A real multi-member etcd cluster on loopback. */
export interface EtcdCluster {
  readonly members: readonly EtcdServer[];
  /** Client `host:port` of every member. */
  readonly hostPorts: readonly string[];
  /** The member that leads now (asks the running members; waits for an election). */
  leader(): Promise<EtcdServer>;
  /** Stops every member and removes the data directories. */
  destroy(): Promise<void>;
}

/**
 * Starts a cluster of `size` members (default 3) with fast raft timing, and waits until it is
 * healthy. Members are ordinary {@link EtcdServer}s: kill one to test fail-over.
 */
export async function startEtcdCluster(options: { readonly size?: number } = {}): Promise<EtcdCluster> {
  const size = options.size ?? 3;
  const ports = await freePorts(size * 2);
  const token = `mm-cluster-${ports[0]}`;
  const specs = Array.from({ length: size }, (_, i) => ({
    name: `member${i}-${ports[0]}`,
    clientPort: ports[2 * i] as number,
    peerPort: ports[2 * i + 1] as number,
  }));
  const initialCluster = specs.map((s) => `${s.name}=http://127.0.0.1:${s.peerPort}`).join(",");
  // All members start together: none is healthy before a quorum has elected a leader.
  const members = await Promise.all(
    specs.map((spec) => startEtcd({ ...spec, cluster: { initialCluster, token } })),
  );
  return {
    members,
    hostPorts: members.map((m) => m.hostPort),
    leader: () => findLeader(members),
    destroy: async () => {
      await Promise.all(members.map((m) => m.destroy()));
    },
  };
}

async function findLeader(members: readonly EtcdServer[]): Promise<EtcdServer> {
  return waitUntil(
    async () => {
      for (const member of members) {
        if (member.process() === undefined) continue;
        const status = await memberStatus(member).catch(() => undefined);
        if (status === undefined || status.leader === "0") continue;
        if (status.leader === status.memberId) return member;
        for (const other of members) {
          if (other.process() === undefined) continue;
          const otherStatus = await memberStatus(other).catch(() => undefined);
          if (otherStatus?.memberId === status.leader) return other;
        }
      }
      return undefined;
    },
    { timeoutMs: 10_000, intervalMs: 50, description: "an etcd leader" },
  );
}

/** The member's id and the leader id it knows, from etcd's JSON gateway. */
async function memberStatus(member: EtcdServer): Promise<{ memberId: string; leader: string }> {
  const response = await fetch(`${member.endpoint}/v3/maintenance/status`, {
    method: "POST",
    body: "{}",
    signal: AbortSignal.timeout(1000),
  });
  const body = (await response.json()) as { header?: { member_id?: string }; leader?: string };
  return { memberId: String(body.header?.member_id), leader: String(body.leader ?? "0") };
}
