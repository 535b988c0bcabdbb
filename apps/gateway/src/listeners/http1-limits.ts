import type { Server } from "node:http";

/**
 * Makes an HTTP/1.1 server that never listens itself (it is handed connections by a protocol
 * sniffer) enforce `headersTimeout` and `requestTimeout` and close connections on
 * `closeIdleConnections` / `closeAllConnections`. Node keeps the list of connections those
 * need, and starts its periodic check, only when the server emits `listening`; without it a
 * client sending its headers a byte at a time is never cut off.
 */
export function trackHttp1Connections(server: Server): void {
  server.emit("listening");
}
