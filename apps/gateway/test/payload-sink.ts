import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One POST a {@link PayloadSink} received. */
export interface ReceivedPost {
  /** Request path with its query (`/all`, `/vm?vmodel=v1`). */
  readonly path: string;
  readonly contentType: string | undefined;
  /** The raw JSON text (key order matters to consumers). */
  readonly text: string;
  readonly body: Record<string, unknown>;
}

/**
 * A real local HTTP server standing in for a payload consumer: records every POST. Paths starting
 * with `/fail` answer 500; paths starting with `/block` are held until {@link PayloadSink.release}.
 */
export interface PayloadSink {
  readonly url: string;
  readonly posts: ReceivedPost[];
  /** Posts to paths starting with `prefix`. */
  at(prefix: string): ReceivedPost[];
  /** Answers the held `/block` requests and stops holding new ones. */
  release(): void;
  close(): Promise<void>;
}

/** Starts a {@link PayloadSink} on a free loopback port. */
export async function startPayloadSink(): Promise<PayloadSink> {
  const posts: ReceivedPost[] = [];
  const held: ServerResponse[] = [];
  let holding = true;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const path = req.url ?? "/";
      posts.push({ path, contentType: req.headers["content-type"], text, body: JSON.parse(text) });
      if (path.startsWith("/fail")) {
        res.writeHead(500).end("no");
      } else if (path.startsWith("/block") && holding) {
        held.push(res);
      } else {
        res.writeHead(200).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    posts,
    at: (prefix) => posts.filter((p) => p.path.startsWith(prefix)),
    release() {
      holding = false;
      for (const res of held.splice(0)) res.writeHead(200).end();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
