import { connect } from "node:net";
import { MeshError } from "@modelmesh/core";
import type { MeshContext } from "../mesh-context.js";
import { peerEndpointOf } from "../peer/peer-address.js";

/** How long the start-up check waits for a connection to the other instance's peer port. */
export const DUPLICATE_PROBE_TIMEOUT_MS = 5000;

/** True when something accepts a TCP connection at `host:port` within `timeoutMs`. */
export function acceptsConnections(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (reachable: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reachable);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * Refuses to start a second instance with an id that a live instance already uses: two
 * processes would overwrite one instance record and claim each other's copies. A record with
 * this id whose peer endpoint accepts a connection within {@link DUPLICATE_PROBE_TIMEOUT_MS}
 * belongs to a running instance (FAILED_PRECONDITION, naming it); an unreachable one is taken
 * for the record of a process that died (e.g. this pod's previous container) and is replaced.
 * Runs before this instance listens on its own peer port, so it never reaches itself.
 */
export async function refuseLiveDuplicate(
  ctx: MeshContext,
  probe: (host: string, port: number, timeoutMs: number) => Promise<boolean> = acceptsConnections,
): Promise<void> {
  const existing = ctx.instancesMirror.get(ctx.selfId)?.value;
  if (existing === undefined) return;
  const endpoint = peerEndpointOf(existing, ctx.identity.internalPort);
  const where = endpoint === undefined ? "an unknown address" : `${endpoint.host}:${endpoint.port}`;
  if (endpoint !== undefined && (await probe(endpoint.host, endpoint.port, DUPLICATE_PROBE_TIMEOUT_MS))) {
    throw new MeshError(
      "FAILED_PRECONDITION",
      `another live instance already uses the instance id "${ctx.selfId}" (its peer port at ${where} ` +
        "accepts connections): give each instance its own MM_INSTANCE_ID",
    );
  }
  ctx.logger.warn(
    { previousEndpoint: where },
    "an instance record with this instance id exists but its peer port does not answer: replacing it",
  );
}
