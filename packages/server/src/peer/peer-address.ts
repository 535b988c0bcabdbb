import { connect as connectSocket } from "node:net";
import { connect as connectTls } from "node:tls";
import type { InstanceRecord } from "@modelmesh/core";
import type { Http2Target } from "@modelmesh/runtime-client";
import { type PeerTls, peerClientOptions } from "./peer-tls.js";

/** The internal peer port when an instance record names only its location (`MM_INTERNAL_GRPC_PORT`). */
export const DEFAULT_INTERNAL_PORT = 8080;

/** A peer's internal endpoint. */
export interface PeerEndpoint {
  readonly host: string;
  readonly port: number;
}

/** Splits `host:port` (an IPv6 host may be bare or in brackets); undefined when malformed. */
export function parseHostPort(text: string): PeerEndpoint | undefined {
  const colon = text.lastIndexOf(":");
  if (colon <= 0) return undefined;
  let host = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port < 1 || port > 65535) return undefined;
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (host === "" || /[\s/[\]]/.test(host)) return undefined;
  return { host, port };
}

/**
 * Where a peer's internal service listens, from its instance record: the `iep` field
 * (`host:port`, written by every instance of ours), else its location (`loc`) with
 * `defaultPort`. Undefined when the record names neither (or garbage).
 */
export function peerEndpointOf(
  record: InstanceRecord,
  defaultPort = DEFAULT_INTERNAL_PORT,
): PeerEndpoint | undefined {
  if (record.internalEndpoint !== undefined) return parseHostPort(record.internalEndpoint);
  if (record.location === undefined || record.location === "") return undefined;
  return parseHostPort(`${record.location}:${defaultPort}`);
}

/**
 * The HTTP/2 target of a peer endpoint: plaintext, or TLS with `tls` (each new connection takes
 * the material current at that moment, so a rotated certificate or trust applies to the next
 * connection). Nagle's algorithm is off: a forwarded call's frames go out at once (the same
 * reasoning as the runtime's data-plane target).
 */
export function peerTarget(endpoint: PeerEndpoint, tls?: PeerTls): Http2Target {
  const { host, port } = endpoint;
  const authority = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  if (tls !== undefined) {
    return {
      url: `https://${authority}`,
      options: {
        createConnection: () =>
          connectTls({
            socket: connectSocket({ host, port, noDelay: true }),
            ...peerClientOptions(tls.current()),
          }),
      },
      label: authority,
    };
  }
  return {
    url: `http://${authority}`,
    options: { createConnection: () => connectSocket({ host, port, noDelay: true }) },
    label: authority,
  };
}
