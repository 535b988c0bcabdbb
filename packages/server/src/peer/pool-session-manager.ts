import type { ClientHttp2Stream, ClientSessionRequestOptions, OutgoingHttpHeaders } from "node:http2";
import type { GrpcTransportOptions } from "@connectrpc/connect-node";
import type { Http2SessionPool } from "@modelmesh/runtime-client";

/** Connect's session-manager interface (not exported by name from `@connectrpc/connect-node`). */
export type ConnectSessionManager = NonNullable<GrpcTransportOptions["sessionManager"]>;

/**
 * Lets a Connect transport open its streams on an {@link Http2SessionPool}, so the status calls
 * and the forwarded inference calls to one peer share its connection. Connection failures reach
 * Connect through the stream's `error` event (mapped to UNAVAILABLE).
 */
export function poolSessionManager(pool: Http2SessionPool): ConnectSessionManager {
  return {
    authority: new URL(pool.target.url).origin,
    async request(
      method: string,
      path: string,
      headers: OutgoingHttpHeaders,
      options: Omit<ClientSessionRequestOptions, "signal">,
    ): Promise<ClientHttp2Stream> {
      const session = pool.session();
      try {
        return session.request({ ...headers, ":method": method, ":path": path }, options);
      } catch {
        // The pooled session was already closing (GOAWAY): retry once on a fresh one.
        pool.discard(session);
        return pool.session().request({ ...headers, ":method": method, ":path": path }, options);
      }
    },
    // The pool has no keep-alive pings to postpone.
    notifyResponseByteRead(): void {},
  };
}
