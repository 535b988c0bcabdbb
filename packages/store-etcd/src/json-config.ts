import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { type EtcdConnectionConfig, type EtcdTlsConfig, parseEndpointList } from "./connection-config.js";

/** The fields the original's JSON config may hold (etcd-java's `EtcdClusterConfig`). */
const knownFields = new Set([
  "endpoints",
  "userid",
  "password",
  "root_prefix",
  "tls_mode",
  "certificate",
  "certificate_file",
  "client_key",
  "client_key_file",
  "client_certificate",
  "client_certificate_file",
  "override_authority",
  "compose_deployment",
]);

/** Result of {@link parseJsonConfig}: the config when there was no problem. */
export interface JsonConfigResult {
  readonly config: EtcdConnectionConfig | undefined;
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * Parses the original's etcd JSON config file (§1.1): `endpoints` (comma-separated string),
 * `userid`/`password`, `root_prefix`, `tls_mode` (`TLS`, `PLAINTEXT`, `AUTO`), the CA as
 * `certificate` (PEM text) or `certificate_file`, the client key and certificate likewise, and
 * `override_authority`. Relative file names are tried as given, then next to the config file.
 * Every problem is collected; unknown or unsupported fields are warnings.
 */
export function parseJsonConfig(path: string): JsonConfigResult {
  const problems: string[] = [];
  const warnings: string[] = [];
  let json: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new Error("not a JSON object");
    json = parsed as Record<string, unknown>;
  } catch (error) {
    return {
      config: undefined,
      problems: [`cannot read etcd config ${path}: ${(error as Error).message}`],
      warnings,
    };
  }
  const field = (name: string): string | undefined => {
    const value = json[name];
    if (value === undefined || value === null || value === "") return undefined;
    if (typeof value === "string") return value;
    if (name === "endpoints" && Array.isArray(value) && value.every((v) => typeof v === "string"))
      return value.join(",");
    problems.push(`etcd config ${path}: "${name}" must be a string`);
    return undefined;
  };
  for (const name of Object.keys(json))
    if (!knownFields.has(name)) warnings.push(`etcd config ${path}: unknown field "${name}" ignored`);
  if (field("compose_deployment") !== undefined)
    warnings.push(`etcd config ${path}: "compose_deployment" is not supported and ignored`);
  const endpointsText = field("endpoints");
  if (endpointsText === undefined) problems.push(`etcd config ${path}: "endpoints" is required`);
  const endpoints = parseEndpointList(endpointsText ?? "", endpointsText === undefined ? [] : problems);
  const pem = (inline: string, file: string) =>
    readPem({
      path,
      name: field(file) === undefined ? inline : file,
      inline: field(inline),
      file: field(file),
      problems,
    });
  const ca = pem("certificate", "certificate_file");
  const clientKey = pem("client_key", "client_key_file");
  const clientCert = pem("client_certificate", "client_certificate_file");
  if ((clientKey === undefined) !== (clientCert === undefined)) {
    problems.push(
      `etcd config ${path}: a client key and a client certificate go together; only one is given`,
    );
  }
  const username = field("userid");
  const password = field("password");
  if ((username === undefined) !== (password === undefined)) {
    problems.push(`etcd config ${path}: "userid" and "password" go together; only one is given`);
  }
  const useTls = decideTls({ mode: field("tls_mode"), endpoints, hasCa: ca !== undefined, path, problems });
  const overrideAuthority = field("override_authority");
  if (problems.length > 0) return { config: undefined, problems, warnings };
  const tls: EtcdTlsConfig = {
    ...(ca === undefined ? {} : { caPem: ca }),
    ...(clientKey === undefined ? {} : { clientKeyPem: clientKey }),
    ...(clientCert === undefined ? {} : { clientCertPem: clientCert }),
    ...(overrideAuthority === undefined ? {} : { overrideAuthority }),
  };
  const config: EtcdConnectionConfig = {
    endpoints: endpoints.map((e) => e.hostPort),
    rootPrefix: field("root_prefix") ?? "",
    ...(username === undefined || password === undefined ? {} : { auth: { username, password } }),
    ...(useTls ? { tls } : {}),
  };
  return { config, problems, warnings };
}

/** etcd-java's rule: TLS / PLAINTEXT as told; AUTO (default) = TLS for https:// or a CA without http://. */
function decideTls(input: {
  mode: string | undefined;
  endpoints: readonly { scheme: string | undefined }[];
  hasCa: boolean;
  path: string;
  problems: string[];
}): boolean {
  const mode = (input.mode ?? "AUTO").toUpperCase();
  const first = input.endpoints[0]?.scheme;
  if (mode === "TLS") return true;
  if (mode === "PLAINTEXT") {
    if (first === "https")
      input.problems.push(`etcd config ${input.path}: tls_mode PLAINTEXT with https:// endpoints`);
    return false;
  }
  if (mode !== "AUTO") {
    input.problems.push(
      `etcd config ${input.path}: tls_mode must be TLS, PLAINTEXT or AUTO, got ${JSON.stringify(input.mode)}`,
    );
    return false;
  }
  return first === "https" || (first === undefined && input.hasCa);
}

function readPem(input: {
  path: string;
  name: string;
  inline?: string | undefined;
  file?: string | undefined;
  problems: string[];
}): string | undefined {
  if (input.file !== undefined) {
    const candidates = isAbsolute(input.file)
      ? [input.file]
      : [input.file, join(dirname(input.path), input.file)];
    const found = candidates.find((candidate) => existsSync(candidate));
    if (found === undefined) {
      input.problems.push(`etcd config ${input.path}: file not found: ${input.file}`);
      return undefined;
    }
    return checkPem(readFileSync(found, "utf8"), `${input.path}: "${input.name}" (${found})`, input.problems);
  }
  return input.inline === undefined
    ? undefined
    : checkPem(input.inline, `${input.path}: "${input.name}"`, input.problems);
}

function checkPem(text: string, source: string, problems: string[]): string | undefined {
  if (!text.includes("-----BEGIN ")) {
    problems.push(`etcd config ${source} is not a PEM certificate or key`);
    return undefined;
  }
  return text;
}
