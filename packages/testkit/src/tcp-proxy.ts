import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * What the proxy does with traffic: `pass` forwards it, `delay` forwards it late, `drop`
 * swallows it silently (a partition where packets vanish), `cut` resets every connection and
 * refuses new ones (a partition where the peer is gone).
 */
export type ProxyMode =
  | { readonly t: "pass" }
  | { readonly t: "delay"; readonly ms: number }
  | { readonly t: "drop" }
  | { readonly t: "cut" };

/** A fault-injecting TCP proxy in front of one target. */
export interface TcpProxy {
  /** Listening port on 127.0.0.1. */
  readonly port: number;
  /** `127.0.0.1:<port>`. */
  readonly hostPort: string;
  mode(): ProxyMode;
  /** Forwards traffic normally. Connections that lost bytes to `drop` are reset (they are broken). */
  pass(): void;
  /** Adds `ms` of latency to every chunk, in both directions (order kept). */
  delay(ms: number): void;
  /**
   * Silently discards all traffic, keeping connections open: a black hole, where only timeouts
   * notice the partition.
   */
  drop(): void;
  /** Resets every open connection and refuses new ones. */
  cut(): void;
  /** Open client connections. */
  connections(): number;
  /** Chunks held back by `delay` and not yet forwarded. */
  queuedChunks(): number;
  /** Bytes discarded by `drop` so far. */
  droppedBytes(): number;
  /** Closes the proxy and every connection. */
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  /** Bytes of this connection were discarded: its stream is corrupt from then on. */
  damaged: boolean;
}

/** Starts a proxy on 127.0.0.1 (a free port unless given) forwarding to `targetPort`. */
export async function startTcpProxy(options: {
  readonly targetPort: number;
  readonly targetHost?: string;
  readonly port?: number;
}): Promise<TcpProxy> {
  let mode: ProxyMode = { t: "pass" };
  const pairs = new Set<Pair>();
  const queue = { chunks: 0, droppedBytes: 0 };
  const server: Server = createServer((client) => {
    if (mode.t === "cut") {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(options.targetPort, options.targetHost ?? "127.0.0.1");
    const pair: Pair = { client, upstream, damaged: false };
    pairs.add(pair);
    const close = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    forward({ from: client, to: upstream, mode: () => mode, queue, pair });
    forward({ from: upstream, to: client, mode: () => mode, queue, pair });
    for (const socket of [client, upstream]) {
      socket.on("error", close);
      socket.on("close", close);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    port,
    hostPort: `127.0.0.1:${port}`,
    mode: () => mode,
    pass: () => {
      mode = { t: "pass" };
      for (const pair of [...pairs]) {
        if (!pair.damaged) continue;
        pair.client.resetAndDestroy();
        pair.upstream.resetAndDestroy();
        pairs.delete(pair);
      }
    },
    delay: (ms) => {
      mode = { t: "delay", ms };
    },
    drop: () => {
      mode = { t: "drop" };
    },
    cut: () => {
      mode = { t: "cut" };
      for (const { client, upstream } of pairs) {
        client.resetAndDestroy();
        upstream.resetAndDestroy();
      }
      pairs.clear();
    },
    connections: () => pairs.size,
    queuedChunks: () => queue.chunks,
    droppedBytes: () => queue.droppedBytes,
    close: async () => {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Copies `from` → `to` under the current mode. Delayed chunks wait in one queue per direction and
 * leave it in order; while any wait, later chunks queue behind them even in "pass" mode (a timer
 * firing late on a busy machine must not let a newer chunk overtake an older one).
 */
function forward(link: {
  from: Socket;
  to: Socket;
  mode: () => ProxyMode;
  queue: { chunks: number; droppedBytes: number };
  pair: Pair;
}): void {
  const { from, to, queue } = link;
  const waiting: { chunk: Buffer; releaseMs: number }[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const drain = () => {
    timer = undefined;
    while (waiting.length > 0 && (waiting[0] as { releaseMs: number }).releaseMs <= Date.now()) {
      const { chunk } = waiting.shift() as { chunk: Buffer };
      queue.chunks -= 1;
      if (!to.destroyed) to.write(chunk);
    }
    const next = waiting[0];
    if (next !== undefined) timer = setTimeout(drain, Math.max(0, next.releaseMs - Date.now()));
  };
  from.on("data", (chunk: Buffer) => {
    const current = link.mode();
    if (current.t === "drop" || current.t === "cut") {
      queue.droppedBytes += chunk.length;
      link.pair.damaged = true;
      return;
    }
    if (current.t === "pass" && waiting.length === 0) {
      to.write(chunk);
      return;
    }
    const delayMs = current.t === "delay" ? current.ms : 0;
    const last = waiting.at(-1)?.releaseMs ?? 0;
    waiting.push({ chunk, releaseMs: Math.max(Date.now() + delayMs, last) });
    queue.chunks += 1;
    if (timer === undefined)
      timer = setTimeout(drain, Math.max(0, (waiting[0] as { releaseMs: number }).releaseMs - Date.now()));
  });
}
