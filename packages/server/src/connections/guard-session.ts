import type { Http2Session } from "node:http2";
import type { ConnectionLimits } from "./connection-limits.js";

/** What {@link guardHttp2Session} reports. */
export interface SessionGuardEvents {
  /** The session failed (reset, protocol error, ...): the connection is gone, the process is not. */
  readonly onError?: (error: Error) => void;
  /** The session was closed by one of the limits. */
  readonly onLimit?: (limit: "handshake" | "idle") => void;
}

/**
 * Applies the per-connection limits to a server-side HTTP/2 session: an `error` listener (a
 * reset connection must never become an unhandled error), a deadline for the client's first
 * SETTINGS frame (destroys the session), and the idle timeout (GOAWAY once no stream has been
 * open for `idleTimeoutMs`, the connection destroyed if still streamless `min(handshake, idle)`
 * later; streams in flight keep the connection, however long they run).
 */
export function guardHttp2Session(
  session: Http2Session,
  limits: Pick<ConnectionLimits, "handshakeTimeoutMs" | "idleTimeoutMs">,
  events: SessionGuardEvents = {},
): void {
  session.on("error", (error: Error) => events.onError?.(error));
  // The client's SETTINGS frame follows its preface: until it arrives the peer has not shown it
  // speaks HTTP/2, so one overall deadline applies, not an idle timer a trickle of bytes resets.
  let handshake: NodeJS.Timeout | undefined = setTimeout(() => {
    handshake = undefined;
    events.onLimit?.("handshake");
    session.destroy();
  }, limits.handshakeTimeoutMs);
  handshake.unref();
  session.once("remoteSettings", () => {
    clearTimeout(handshake);
    handshake = undefined;
  });
  let idle: NodeJS.Timeout | undefined;
  let open = 0;
  const armIdle = () => {
    if (limits.idleTimeoutMs <= 0) return;
    idle = setTimeout(() => {
      idle = undefined;
      events.onLimit?.("idle");
      // GOAWAY: the client opens a new connection for its next call. Streams that raced the
      // GOAWAY are refused by nghttp2 and retried by gRPC clients.
      session.close();
      // Node finishes a graceful close only once nghttp2 has nothing left to read, which a
      // header block trickled a byte at a time postpones for as long as the client likes. A
      // stream that completed meanwhile is a real call: the session then closes after it.
      const finish = setTimeout(
        () => {
          if (open === 0 && !session.destroyed) session.destroy();
        },
        Math.min(limits.handshakeTimeoutMs, limits.idleTimeoutMs),
      );
      finish.unref();
      session.once("close", () => clearTimeout(finish));
    }, limits.idleTimeoutMs);
    idle.unref();
  };
  armIdle();
  session.on("stream", (stream) => {
    open++;
    clearTimeout(idle);
    idle = undefined;
    stream.once("close", () => {
      open--;
      if (open === 0 && !session.closed && !session.destroyed) armIdle();
    });
  });
  session.once("close", () => {
    clearTimeout(handshake);
    clearTimeout(idle);
  });
}
