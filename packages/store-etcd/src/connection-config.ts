/** TLS settings of an etcd connection (PEM texts, already read from files). */
export interface EtcdTlsConfig {
  /** CA certificate(s) to trust; the system's CAs when absent. */
  readonly caPem?: string;
  /** Client private key for mutual TLS (with `clientCertPem`). */
  readonly clientKeyPem?: string;
  /** Client certificate chain for mutual TLS (with `clientKeyPem`). */
  readonly clientCertPem?: string;
  /** Host name to verify the server certificates against, for every endpoint (`override_authority`). */
  readonly overrideAuthority?: string;
}

/** How to reach etcd, parsed from `KV_STORE` (see `parseEtcdKvStore`). */
export interface EtcdConnectionConfig {
  /** `host:port` of each member (port 2379 when not given). */
  readonly endpoints: readonly string[];
  /**
   * Namespace prepended to every key as raw bytes (as etcd-java's root prefix): `"ns"` makes
   * `/tas-runtime/...` become `ns/tas-runtime/...`. Empty: none.
   */
  readonly rootPrefix: string;
  /** etcd user and password (`userid` / `password`). */
  readonly auth?: { readonly username: string; readonly password: string };
  /** Present when the connection uses TLS. */
  readonly tls?: EtcdTlsConfig;
}

/** Default etcd client port. */
export const DEFAULT_ETCD_PORT = 2379;

/** One parsed endpoint. */
export interface ParsedEndpoint {
  readonly scheme: "http" | "https" | undefined;
  readonly hostPort: string;
}

/**
 * Parses `[http(s)://]host[:port]` (IPv6 hosts in brackets). Returns a problem message for
 * anything else.
 */
export function parseEndpoint(text: string): ParsedEndpoint | string {
  const match = /^(?:(https?):\/\/)?(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9][a-zA-Z0-9.-]*)(?::(\d{1,5}))?\/?$/.exec(
    text.trim(),
  );
  if (match === null) return `not an etcd endpoint ([http(s)://]host[:port]): ${JSON.stringify(text)}`;
  const [, scheme, host, portText] = match;
  const port = portText === undefined ? DEFAULT_ETCD_PORT : Number(portText);
  if (port < 1 || port > 65535) return `port out of range in etcd endpoint ${JSON.stringify(text)}`;
  return { scheme: scheme as ParsedEndpoint["scheme"], hostPort: `${host}:${port}` };
}

/** Parses a comma-separated endpoint list, collecting problems. */
export function parseEndpointList(text: string, problems: string[]): ParsedEndpoint[] {
  const parts = text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  if (parts.length === 0) problems.push("no etcd endpoints given");
  const endpoints: ParsedEndpoint[] = [];
  for (const part of parts) {
    const parsed = parseEndpoint(part);
    if (typeof parsed === "string") problems.push(parsed);
    else endpoints.push(parsed);
  }
  const schemes = new Set(endpoints.map((e) => e.scheme ?? "none"));
  if (schemes.has("https") && schemes.size > 1) problems.push("etcd endpoints mix https:// with plain ones");
  return endpoints;
}
