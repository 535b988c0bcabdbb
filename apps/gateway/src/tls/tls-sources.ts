import type { PeerTls } from "@modelmesh/server";
import type { ClientAuth, ServingTls } from "../listeners/tls-front.js";
import type { TlsReloader } from "./tls-reloader.js";

/** The external port's view of the reloaded material. */
export function servingTlsFrom(reloader: TlsReloader, clientAuth: ClientAuth): ServingTls {
  return {
    clientAuth,
    current() {
      const { pair, clientTrust } = reloader.current;
      return {
        cert: pair.cert,
        key: pair.key,
        ...(pair.passphrase === undefined ? {} : { passphrase: pair.passphrase }),
        ...(clientTrust === undefined ? {} : { ca: [...clientTrust] }),
      };
    },
    subscribe: (listener) => reloader.subscribe(() => listener()),
  };
}

/** The peer port's view of the reloaded material: the same key pair, the peer trust. */
export function peerTlsFrom(reloader: TlsReloader, clientAuth: boolean): PeerTls {
  return {
    clientAuth,
    current() {
      const { pair, peerTrust } = reloader.current;
      return {
        cert: pair.cert,
        key: pair.key,
        ...(pair.passphrase === undefined ? {} : { passphrase: pair.passphrase }),
        trust: peerTrust,
      };
    },
    subscribe: (listener) => reloader.subscribe(() => listener()),
  };
}
