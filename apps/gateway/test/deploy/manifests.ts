// Renders the Kustomize manifests under deploy/ and checks them against the Kubernetes schemas,
// offline: `kubectl kustomize` renders, `yaml` parses, kubernetes-models validates.
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Certificate } from "@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate";
import { Issuer } from "@kubernetes-models/cert-manager/cert-manager.io/v1/Issuer";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { parseAllDocuments } from "yaml";

const run = promisify(execFile);

/** The repository's deploy/ folder. */
export const deployDir = fileURLToPath(new URL("../../../../deploy/", import.meta.url));

/** One rendered Kubernetes object. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly annotations?: Record<string, string> };
  readonly [field: string]: unknown;
}

/** Every kind the manifests may hold, with its schema check (throws on a violation). */
const validators: Record<string, (object: KubeObject) => void> = {
  "apps/v1/Deployment": (o) => new Deployment(o as never).validate(),
  "apps/v1/StatefulSet": (o) => new StatefulSet(o as never).validate(),
  "v1/Service": (o) => new Service(o as never).validate(),
  // Kustomize wraps a generated Secret's base64 over lines; the API server's decoder skips line
  // breaks, the schema's "byte" format does not.
  "v1/Secret": (o) => new Secret(unwrapSecretData(o) as never).validate(),
  "networking.k8s.io/v1/NetworkPolicy": (o) => new NetworkPolicy(o as never).validate(),
  "policy/v1/PodDisruptionBudget": (o) => new PodDisruptionBudget(o as never).validate(),
  "monitoring.coreos.com/v1/ServiceMonitor": (o) => new ServiceMonitor(o as never).validate(),
  "cert-manager.io/v1/Certificate": (o) => new Certificate(o as never).validate(),
  "cert-manager.io/v1/Issuer": (o) => new Issuer(o as never).validate(),
};

function unwrapSecretData(secret: KubeObject): KubeObject {
  const data = (secret as { data?: Record<string, string> }).data;
  if (data === undefined) return secret;
  const unwrapped = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.replace(/\s+/g, "")]));
  return { ...secret, data: unwrapped };
}

/** Renders `deploy/<path>` with `kubectl kustomize` and parses every document. */
export async function render(path: string): Promise<KubeObject[]> {
  const { stdout } = await run("kubectl", ["kustomize", join(deployDir, path)], { maxBuffer: 16 * 2 ** 20 });
  return parseAllDocuments(stdout).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join("; ")}`);
    return doc.toJS() as KubeObject;
  });
}

/** Schema problems of `object` (none: an empty list); a kind without a validator is one too. */
export function schemaProblems(object: KubeObject): string[] {
  const key = `${object.apiVersion}/${object.kind}`;
  const validate = validators[key];
  if (validate === undefined) return [`${key} ${object.metadata.name}: no schema to check it against`];
  try {
    validate(object);
    return [];
  } catch (error) {
    return [`${key} ${object.metadata.name}: ${error instanceof Error ? error.message : String(error)}`];
  }
}

/** The one object of `kind` named `name`. */
export function find(objects: readonly KubeObject[], kind: string, name?: string): KubeObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name ?? ""}, found ${found.length}`);
  return found[0] as KubeObject;
}

/** Labels and annotations of a pod template. */
export interface PodMetadata {
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

/** The workload (Deployment or StatefulSet) running the mesh, its pod template's metadata and spec. */
export function workload(objects: readonly KubeObject[]): {
  object: KubeObject;
  podMetadata: PodMetadata;
  pod: IPodSpec;
} {
  const found = objects.filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet");
  if (found.length !== 1) throw new Error(`expected one workload, found ${found.length}`);
  const object = found[0] as KubeObject & { spec: { template: { metadata?: PodMetadata; spec: IPodSpec } } };
  return { object, podMetadata: object.spec.template.metadata ?? {}, pod: object.spec.template.spec };
}

/** The container named `name` of a pod spec. */
export function container(pod: IPodSpec, name: string): IContainer {
  const found = pod.containers.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no container ${name}`);
  return found;
}

/** The literal value of env var `name` of a container (undefined when unset or not literal). */
export function envValue(c: IContainer, name: string): string | undefined {
  return c.env?.find((e) => e.name === name)?.value;
}

/** What {@link localPod} needs to stand in for the kubelet. */
export interface LocalPodOptions {
  readonly objects: readonly KubeObject[];
  readonly container: string;
  /** Where the pod's volumes are created, one folder each. */
  readonly dir: string;
  /** Rewrites a Secret's file before it is written (e.g. etcd endpoints to a local etcd). */
  readonly secretFile?: (key: string, content: string) => string;
}

/**
 * The environment a container of the rendered workload gets, made runnable on this machine as a
 * kubelet would make it in a pod: each volume becomes a local folder (a Secret's keys written as
 * files), every value naming a mount path is redirected to that folder, and the downward API
 * gives a pod name and loopback addresses.
 */
export function localPod(options: LocalPodOptions): { env: Record<string, string>; args: string[] } {
  const { object, pod } = workload(options.objects);
  const c = container(pod, options.container);
  const mounts = new Map<string, string>();
  for (const mount of c.volumeMounts ?? []) {
    const volume = pod.volumes?.find((v) => v.name === mount.name);
    const claim = object.kind === "StatefulSet" ? mount.name : undefined;
    if (volume === undefined && claim === undefined) throw new Error(`no volume ${mount.name}`);
    const local = join(options.dir, mount.name);
    mkdirSync(local, { recursive: true });
    const secretName = volume?.secret?.secretName;
    if (secretName !== undefined) {
      const secret = find(options.objects, "Secret", secretName) as KubeObject & {
        data?: Record<string, string>;
      };
      for (const [key, base64] of Object.entries(secret.data ?? {})) {
        const content = Buffer.from(base64, "base64").toString("utf8");
        writeFileSync(join(local, key), options.secretFile?.(key, content) ?? content);
      }
    }
    mounts.set(mount.mountPath, local);
  }
  // Longest first: /tmp/mmesh/grpc.sock belongs to the /tmp/mmesh mount, not to /tmp.
  const byLength = [...mounts].sort(([a], [b]) => b.length - a.length);
  const relocate = (value: string) => {
    for (const [mountPath, local] of byLength) {
      const at = value.indexOf(mountPath);
      if (at >= 0) return value.slice(0, at) + local + value.slice(at + mountPath.length);
    }
    return value;
  };
  const env: Record<string, string> = {};
  for (const variable of c.env ?? []) {
    const field = variable.valueFrom?.fieldRef?.fieldPath;
    if (field === "metadata.name") env[variable.name] = `${object.metadata.name}-0`;
    else if (field === "status.podIP" || field === "status.hostIP") env[variable.name] = "127.0.0.1";
    else if (variable.value !== undefined) env[variable.name] = relocate(variable.value);
    else throw new Error(`env ${variable.name}: no local stand-in for ${JSON.stringify(variable.valueFrom)}`);
  }
  return { env, args: [...(c.args ?? [])].map(relocate) };
}
