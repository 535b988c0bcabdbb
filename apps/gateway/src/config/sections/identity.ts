import { hostname, networkInterfaces } from "node:os";
import { MAX_INSTANCE_ID_BYTES } from "@modelmesh/server";
import { labelList, text } from "../parsers.js";
import type { ConfigReader } from "../reader.js";

/** Who this instance is and where peers find it. */
export interface IdentitySection {
  /** `MM_SERVICE_NAME`: the cluster's name; second segment of every KV key. */
  readonly serviceName: string;
  /** This instance's id: `MM_INSTANCE_ID`, else the last 12 characters of `WKUBE_POD_NAME`, else host-port. */
  readonly instanceId: string;
  /** `SERVICE_VERSION`: version string; `...-YYYYMMDD-N` orders instances for placement. */
  readonly serviceVersion?: string;
  /** `MM_LOCATION`: node address recorded in the instance record. */
  readonly location: string;
  /** Address peers dial to reach this instance's internal port. */
  readonly advertiseAddress: string;
  /** `MM_ZONE`: zone recorded in the instance record. */
  readonly zone?: string;
  /** `MM_LABELS`: sorted instance labels (type constraints match on them). */
  readonly labels: readonly string[];
}

function firstIpv4(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    const found = addresses?.find((a) => a.family === "IPv4" && !a.internal);
    if (found) return found.address;
  }
  return undefined;
}

/** Reads identity options. `grpcPort` is used for the fallback instance id. */
export function readIdentitySection(
  r: ConfigReader,
  opts: { etcd: boolean; grpcPort: number },
): IdentitySection {
  const serviceName = r.read(
    {
      env: ["MM_SERVICE_NAME", "TAS_SERVICE_NAME"],
      flag: "service-name",
      description: "cluster name (required with etcd; default 'modelmesh' with the embedded store)",
    },
    text,
  );
  if (serviceName === undefined && opts.etcd) r.fail("MM_SERVICE_NAME is required when KV_STORE is etcd");
  const podName = r.read(
    { env: "WKUBE_POD_NAME", description: "Kubernetes pod name (instance id = its last 12 characters)" },
    text,
  );
  const podIp = r.read(
    { env: "WKUBE_POD_IPADDR", description: "Kubernetes pod IP (default advertise address)" },
    text,
  );
  const instanceId = r.read(
    {
      env: "MM_INSTANCE_ID",
      description: "instance id (default: last 12 characters of WKUBE_POD_NAME, else <host>-<port>)",
    },
    (raw) => {
      if (raw.includes(",")) return { ok: false, error: "must not contain ','" };
      // Peers refuse routing hints with longer instance ids.
      const bytes = Buffer.byteLength(raw.trim(), "utf8");
      if (bytes > MAX_INSTANCE_ID_BYTES)
        return { ok: false, error: `is ${bytes} bytes, more than the limit of ${MAX_INSTANCE_ID_BYTES}` };
      return { ok: true, value: raw.trim() };
    },
  );
  const advertiseAddress = r.read(
    {
      env: "MM_ADVERTISE_ADDRESS",
      description:
        "address peers use to reach this instance (default WKUBE_POD_IPADDR, else the first IPv4 address)",
    },
    text,
  );
  const fallbackAddress = podIp ?? firstIpv4() ?? "127.0.0.1";
  return {
    serviceName: serviceName ?? "modelmesh",
    instanceId: instanceId ?? podName?.slice(-12) ?? `${hostname()}-${opts.grpcPort}`,
    ...optional(
      "serviceVersion",
      r.read({ env: "SERVICE_VERSION", description: "version string of this build" }, text),
    ),
    location:
      r.read(
        {
          env: "MM_LOCATION",
          description: "node address (default: WKUBE_NODE_IP, else the advertise address)",
        },
        text,
      ) ??
      // The original's start script set the location to the Kubernetes node's IP when given one.
      r.read({ env: "WKUBE_NODE_IP", description: "Kubernetes node IP (default MM_LOCATION)" }, text) ??
      advertiseAddress ??
      fallbackAddress,
    advertiseAddress: advertiseAddress ?? fallbackAddress,
    ...optional("zone", r.read({ env: "MM_ZONE", description: "zone of this instance" }, text)),
    labels: r.read(
      { env: "MM_LABELS", description: "comma-separated instance labels", default: [] },
      labelList,
    ),
  };
}

/** `{ [key]: value }` when the value is defined, else `{}` (for exact optional properties). */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
