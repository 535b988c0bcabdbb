import { type Code, ConnectError } from "@connectrpc/connect";
import { toGrpcStatus } from "./grpc-status.js";

/** Maps anything a management call threw to the ConnectError the client sees (§13.3). */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  const status = toGrpcStatus(error);
  // Connect's Code uses the gRPC numbers.
  return new ConnectError(status.message, status.code as Code, undefined, undefined, error);
}
