import type { Logger } from "@modelmesh/core";
import type { PeerTls } from "@modelmesh/server";
import type { TlsSection } from "../config/sections/tls.js";
import type { ServingTls } from "../listeners/tls-front.js";
import { TlsReloader } from "./tls-reloader.js";
import { loadTlsSnapshot } from "./tls-snapshot.js";
import { peerTlsFrom, servingTlsFrom } from "./tls-sources.js";

/** TLS of both ports, following file changes until `close`. */
export interface StartedTls {
  readonly serving: ServingTls;
  /** Undefined when the peer port stays plaintext (`MM_ENABLE_SSL=false`). */
  readonly peer?: PeerTls;
  close(): void;
}

/**
 * Reads the TLS files (checked already by the config, so a failure here means they changed in
 * between: it throws) and starts following their changes. Undefined when TLS is off.
 */
export function startTls(section: TlsSection, logger: Logger): StartedTls | undefined {
  if (section.serving === null) return undefined;
  const loaded = loadTlsSnapshot(section);
  if (!loaded.ok) throw new Error(`TLS files are not usable: ${loaded.errors.join("; ")}`);
  const reloader = new TlsReloader({
    files: section,
    initial: loaded.value,
    intervalMs: section.reloadIntervalMs,
    logger: logger.child({ component: "tls" }),
  });
  return {
    serving: servingTlsFrom(reloader, section.serving.clientAuth),
    ...(section.peer === null ? {} : { peer: peerTlsFrom(reloader, section.peer.clientAuth) }),
    close: () => reloader.close(),
  };
}
