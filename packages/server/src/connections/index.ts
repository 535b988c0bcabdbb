/** Bounds on client connections, shared by the external port (gateway) and the peer port. */

export type { ConnectionLimits } from "./connection-limits.js";
export { DEFAULT_CONNECTION_LIMITS } from "./connection-limits.js";
export type { SessionGuardEvents } from "./guard-session.js";
export { guardHttp2Session } from "./guard-session.js";
