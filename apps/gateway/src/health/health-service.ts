import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "@modelmesh/proto";
import type { ReadinessMonitor } from "./readiness-monitor.js";

/** Options for {@link registerHealthService}. */
export interface HealthServiceOptions {
  /** The readiness the whole service follows (the `/ready` probe's answer). */
  readonly monitor: ReadinessMonitor;
  /**
   * Service names a client may ask about, besides `""` (the server as a whole). Every one of them
   * follows the same readiness: the instance serves all its services or none.
   */
  readonly services: readonly string[];
}

function statusOf(ready: boolean): ServingStatus {
  return ready ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
}

/**
 * Serves `grpc.health.v1.Health` (what Kubernetes gRPC probes, grpc_health_probe and load
 * balancers call): SERVING while the instance is ready, NOT_SERVING while starting or stopping.
 * `Check` of an unknown service name is NOT_FOUND; `Watch` of one sends SERVICE_UNKNOWN and keeps
 * the stream open, as the health protocol asks. `Watch` sends the current status, then each
 * change, until the client cancels or the gateway closes the port.
 */
export function registerHealthService(router: ConnectRouter, options: HealthServiceOptions): void {
  const { monitor } = options;
  const known = new Set(["", ...options.services]);
  router.service(Health, {
    check(request) {
      if (!known.has(request.service)) {
        throw new ConnectError(`unknown service ${JSON.stringify(request.service)}`, Code.NotFound);
      }
      return { status: statusOf(monitor.refresh()) };
    },
    list() {
      const status = statusOf(monitor.refresh());
      return { statuses: Object.fromEntries([...known].map((name) => [name, { status }])) };
    },
    async *watch(request, context) {
      if (!known.has(request.service)) {
        yield { status: ServingStatus.SERVICE_UNKNOWN };
        // Nothing will change: hold the stream open until the client or the gateway ends it.
        for await (const _ of monitor.watch(context.signal)) {
          // Readiness changes say nothing about a service this server does not have.
        }
        return;
      }
      for await (const ready of monitor.watch(context.signal)) yield { status: statusOf(ready) };
    },
  });
}
