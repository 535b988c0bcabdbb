// The Kustomize manifests under deploy/: every overlay renders, every object passes the
// Kubernetes schema, the facts the mesh depends on hold (ports, probes, preStop, env), and a
// gateway started with the env and volumes of the rendered embedded and etcd workloads becomes
// ready on this machine.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startEtcd, stopAllEtcd } from "@modelmesh/testkit/etcd";
import { startExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { freePort } from "@modelmesh/testkit/free-port";
import { startTsProcess, stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, describe, expect, it } from "vitest";
import {
  container,
  envValue,
  find,
  type KubeObject,
  localPod,
  render,
  schemaProblems,
  workload,
} from "./manifests.js";

const gatewayEntry = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
const tempDirs: string[] = [];

afterAll(async () => {
  await stopAllProcesses();
  await stopAllEtcd();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const overlays = [
  "base",
  "overlays/embedded",
  "overlays/etcd",
  "overlays/prometheus",
  "overlays/tls",
  "overlays/uds",
];

describe.each(overlays)("deploy/%s", (path) => {
  it("renders objects that pass the Kubernetes schemas", async () => {
    const objects = await render(path);
    expect(objects.length).toBeGreaterThan(0);
    expect(objects.flatMap(schemaProblems)).toEqual([]);
  });

  it("runs the mesh beside its runtime with the ports, probes and shutdown the mesh expects", async () => {
    const objects = await render(path);
    const { podMetadata, pod } = workload(objects);
    const mm = container(pod, "mm");
    const runtime = container(pod, "runtime");
    expect(mm.image).toMatch(/^modelmesh:/);
    expect(runtime.image).toMatch(/^modelmesh-example-runtime:/);
    // The gateway's defaults for everything but the external port, which is set explicitly.
    expect(Object.fromEntries((mm.ports ?? []).map((p) => [p.name, p.containerPort]))).toMatchObject({
      grpc: 8033,
      peer: 8080,
      probes: 8089,
      prestop: 8090,
    });
    expect(envValue(mm, "MM_SVC_GRPC_PORT")).toBe("8033");
    expect(mm.readinessProbe?.httpGet).toMatchObject({ path: "/ready", port: 8089 });
    expect(mm.livenessProbe?.httpGet).toMatchObject({ path: "/live", port: 8089 });
    expect(mm.lifecycle?.preStop?.exec?.command).toEqual(["/opt/kserve/mmesh/stop.sh", "wait"]);
    expect(runtime.lifecycle?.preStop?.httpGet).toMatchObject({ path: "/prestop", port: 8090 });
    // The mesh finishes its drain on its own just as the kubelet's grace period ends.
    expect(Number(envValue(mm, "SHUTDOWN_TIMEOUT_MS"))).toBe(
      (pod.terminationGracePeriodSeconds ?? 30) * 1000,
    );
    // Non-root (the image's numeric user), read-only root, writable /tmp for stop.sh's pid file.
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 2000 });
    for (const c of [mm, runtime]) {
      expect(c.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
      expect(c.volumeMounts?.some((m) => m.mountPath === "/tmp")).toBe(true);
      expect(c.resources?.limits?.memory).toBeDefined();
    }
    const service = find(objects, "Service", "modelmesh") as KubeObject & {
      spec: { ports: { name: string; port: number; targetPort: string }[]; selector: Record<string, string> };
    };
    expect(service.spec.ports).toContainEqual({ name: "grpc", port: 8033, targetPort: "grpc" });
    expect(podMetadata.labels).toMatchObject(service.spec.selector);
    expect(envValue(mm, "MM_SERVICE_NAME")).toBe(service.metadata.name);
  });
});

describe("overlay facts", () => {
  it("embedded: one StatefulSet pod, its store on a claim, no etcd", async () => {
    const objects = await render("overlays/embedded");
    const { object, pod } = workload(objects);
    const spec = object.spec as {
      replicas: number;
      serviceName: string;
      volumeClaimTemplates: { metadata: { name: string } }[];
    };
    expect(object.kind).toBe("StatefulSet");
    expect(spec.replicas).toBe(1);
    expect(spec.serviceName).toBe("modelmesh");
    const mm = container(pod, "mm");
    expect(envValue(mm, "KV_STORE")).toBeUndefined();
    const dataMount = mm.volumeMounts?.find((m) => m.mountPath === envValue(mm, "MM_DATA_DIR"));
    expect(spec.volumeClaimTemplates.map((t) => t.metadata.name)).toEqual([dataMount?.name]);
    expect(pod.volumes?.some((v) => v.name === dataMount?.name)).toBe(false);
  });

  it("etcd: three replicas, KV_STORE names the JSON file of a mounted Secret", async () => {
    const objects = await render("overlays/etcd");
    const { object, pod } = workload(objects);
    expect(object.kind).toBe("Deployment");
    expect((object.spec as { replicas: number }).replicas).toBe(3);
    const mm = container(pod, "mm");
    const kvStore = envValue(mm, "KV_STORE") ?? "";
    expect(kvStore).toMatch(/^etcd:\//);
    const file = kvStore.slice("etcd:".length);
    const mount = mm.volumeMounts?.find((m) => file.startsWith(`${m.mountPath}/`));
    const secretName = pod.volumes?.find((v) => v.name === mount?.name)?.secret?.secretName ?? "";
    const secret = find(objects, "Secret", secretName) as KubeObject & { data: Record<string, string> };
    const key = file.slice((mount?.mountPath.length ?? 0) + 1);
    const json = JSON.parse(Buffer.from(secret.data[key] ?? "", "base64").toString("utf8")) as Record<
      string,
      unknown
    >;
    expect(json.endpoints).toEqual(expect.any(String));
    expect(envValue(mm, "MM_DATA_DIR")).toBeUndefined();
    expect(find(objects, "PodDisruptionBudget").spec).toMatchObject({ maxUnavailable: 1 });
  });

  it("prometheus: scrape annotations and a ServiceMonitor for port 2112", async () => {
    const objects = await render("overlays/prometheus");
    const { podMetadata, pod } = workload(objects);
    expect(podMetadata.annotations).toMatchObject({
      "prometheus.io/scrape": "true",
      "prometheus.io/port": "2112",
    });
    expect(container(pod, "mm").ports).toContainEqual({ name: "metrics", containerPort: 2112 });
    const service = find(objects, "Service", "modelmesh").spec as { ports: { name: string; port: number }[] };
    expect(service.ports).toContainEqual(expect.objectContaining({ name: "metrics", port: 2112 }));
    const monitor = find(objects, "ServiceMonitor").spec as { endpoints: { port: string }[] };
    expect(monitor.endpoints.map((e) => e.port)).toEqual(["metrics"]);
    expect(envValue(container(pod, "mm"), "MM_METRICS")).toBe("prometheus:port=2112;scheme=http");
    // Without the overlay metrics are off.
    const etcd = workload(await render("overlays/etcd"));
    expect(envValue(container(etcd.pod, "mm"), "MM_METRICS")).toBe("disabled");
  });

  it("tls: the certificate's Secret is mounted where MM_TLS_* point", async () => {
    const objects = await render("overlays/tls");
    const { pod } = workload(objects);
    const mm = container(pod, "mm");
    const certificate = find(objects, "Certificate").spec as { secretName: string };
    const volume = pod.volumes?.find((v) => v.secret?.secretName === certificate.secretName);
    const mount = mm.volumeMounts?.find((m) => m.name === volume?.name);
    expect(envValue(mm, "MM_TLS_KEY_CERT_PATH")).toBe(`${mount?.mountPath}/tls.crt`);
    expect(envValue(mm, "MM_TLS_PRIVATE_KEY_PATH")).toBe(`${mount?.mountPath}/tls.key`);
    expect(envValue(mm, "MM_INTERNAL_TRUST_CERTS")).toBe(`${mount?.mountPath}/ca.crt`);
  });

  it("uds: the runtime's socket is in a volume both containers mount", async () => {
    const objects = await render("overlays/uds");
    const { pod } = workload(objects);
    const mm = container(pod, "mm");
    const runtime = container(pod, "runtime");
    const socket = envValue(mm, "INTERNAL_GRPC_SOCKET_PATH") ?? "";
    expect(envValue(mm, "INTERNAL_GRPC_PORT")).toBeUndefined();
    expect(runtime.args).toEqual(["--socket", socket]);
    const dir = socket.slice(0, socket.lastIndexOf("/"));
    const mmMount = mm.volumeMounts?.find((m) => m.mountPath === dir);
    expect(runtime.volumeMounts?.find((m) => m.mountPath === dir)?.name).toBe(mmMount?.name);
    expect(pod.volumes?.find((v) => v.name === mmMount?.name)?.emptyDir).toBeDefined();
  });
});

/** Starts a gateway from source with the rendered workload's env (made local), waits for /ready. */
async function startLikeThePod(overlay: string, options: { etcdEndpoint?: string } = {}) {
  const objects = await render(overlay);
  const dir = mkdtempSync(join(tmpdir(), "mm-deploy-"));
  tempDirs.push(dir);
  const pod = localPod({
    objects,
    container: "mm",
    dir,
    secretFile: (key, content) => {
      if (key !== "etcd_connection" || options.etcdEndpoint === undefined) return content;
      return JSON.stringify({ ...JSON.parse(content), endpoints: options.etcdEndpoint });
    },
  });
  // The runtime container's port and the pod's ports become free ones on this machine.
  expect(pod.env.INTERNAL_GRPC_PORT).toBe("8085");
  const runtime = await startExampleRuntime();
  const probePort = await freePort();
  const env: Record<string, string> = {
    ...pod.env,
    INTERNAL_GRPC_PORT: String(runtime.port),
    MM_SVC_GRPC_PORT: String(await freePort()),
    MM_PROBE_PORT: String(probePort),
    MM_PRESTOP_WAIT_PORT: String(await freePort()),
    MM_INTERNAL_GRPC_PORT: String(await freePort()),
  };
  const gateway = startTsProcess({ name: `gateway-${overlay}`, entry: gatewayEntry, args: pod.args, env });
  await waitUntil(
    async () => {
      if (gateway.hasExited()) throw new Error(`gateway exited:\n${gateway.output()}`);
      return (await fetch(`http://127.0.0.1:${probePort}/ready`)).status === 200;
    },
    { timeoutMs: 90_000, intervalMs: 100, description: `/ready of the ${overlay} gateway` },
  );
  expect(await gateway.stop({ timeoutMs: 20_000 })).toBe(0);
  await runtime.stop();
  return { env, output: gateway.output() };
}

describe("a gateway started as the rendered pod would start it", () => {
  it("embedded overlay: becomes ready on the store in the claim's folder", async () => {
    const { env, output } = await startLikeThePod("overlays/embedded");
    expect(env.KV_STORE).toBeUndefined();
    expect(output).toContain('"store":"embedded"');
  });

  it("etcd overlay: becomes ready on the etcd named by the Secret's JSON file", async () => {
    const etcd = await startEtcd();
    const { env, output } = await startLikeThePod("overlays/etcd", { etcdEndpoint: etcd.endpoint });
    expect(env.KV_STORE).toMatch(/^etcd:\/.*\/etcd_connection$/);
    expect(output).toContain('"store":"etcd"');
  });
});
