/**
 * The internal peer protocol between mesh instances (docs/cluster.md): the routing context and
 * error-kind codecs, the peer directory and client (sending side) and the peer service (receiving
 * side, delegating to a {@link PeerHandler} the server implements). Not exported from the package
 * yet; the server wires it in with the cluster features (issue 7).
 */

export {
  contextHeaderNames,
  decodeContextHeaders,
  decodeId,
  encodeContextHeaders,
  encodeId,
  PEER_HEADER_PREFIX,
} from "./context-headers.js";
export {
  contextFromProto,
  contextToProto,
  statusAnswerFromProto,
  statusAnswerToProto,
  statusRequestFromProto,
  statusRequestToProto,
} from "./context-proto.js";
export type { ForwardedHandlerOptions } from "./forwarded-handler.js";
export { createForwardedHandler, respondWithPeerError } from "./forwarded-handler.js";
export type { PeerEndpoint } from "./peer-address.js";
export { DEFAULT_INTERNAL_PORT, parseHostPort, peerEndpointOf, peerTarget } from "./peer-address.js";
export type {
  PeerBinding,
  PeerCallOptions,
  PeerClientOptions,
  PeerForwardRequest,
  PeerRef,
} from "./peer-client.js";
export { PeerClient } from "./peer-client.js";
export type { PeerConnection, PeerDirectoryOptions } from "./peer-directory.js";
export { PeerDirectory } from "./peer-directory.js";
export type { EncodedPeerError, HeaderSource, PeerErrorKind, PeerIdentity } from "./peer-errors.js";
export {
  decodePeerError,
  encodePeerError,
  errorForPeer,
  errorTrailerNames,
  MAX_PEER_ERROR_MESSAGE_CHARS,
} from "./peer-errors.js";
export { peerRequestHeaders } from "./peer-headers.js";
export type { ListenPeerServerOptions, PeerServer, PeerServiceOptions } from "./peer-server.js";
export { createPeerRequestListener, listenPeerServer, MAX_STATUS_REQUEST_BYTES } from "./peer-server.js";
export { destinationMismatch, peerConnectError, peerStatusService } from "./peer-status-service.js";
export type { PeerTls, PeerTlsMaterial } from "./peer-tls.js";
export { peerClientOptions, peerServerContext, peerServerOptions } from "./peer-tls.js";
export { PeerTraffic } from "./peer-traffic.js";
export type { ConnectSessionManager } from "./pool-session-manager.js";
export { poolSessionManager } from "./pool-session-manager.js";
export type { PeerHop, PeerResult, PeerRoutingContext } from "./routing-context.js";
export {
  contextProblem,
  MAX_CHAIN_LOAD_COUNT,
  MAX_EXCLUDES,
  MAX_INSTANCE_ID_BYTES,
  MAX_KNOWN_SIZE_UNITS,
  MAX_WEIGHT,
} from "./routing-context.js";
export type {
  ForwardedInference,
  PeerCallScope,
  PeerHandler,
  PeerStatusAnswer,
  PeerStatusRequest,
} from "./types.js";
