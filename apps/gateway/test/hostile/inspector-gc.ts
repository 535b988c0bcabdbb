import { freePort } from "@modelmesh/testkit/free-port";

// Full garbage collections in a gateway process, through the Chrome DevTools Protocol of its
// inspector. A memory bound on RSS alone measures the garbage collector's sizing as much as
// what the gateway keeps: Node 24's young generation grows to 3 × 64 MiB before it is scavenged
// (Node 20's to 3 × 16 MiB), so the same run shows 60 MiB more RSS there with nothing retained.
// After a full collection, RSS holds only what is still referenced plus the allocator's slack.

/** An inspector port for a gateway: pass {@link InspectedProcess.nodeOptions} as `NODE_OPTIONS`. */
export interface InspectedProcess {
  readonly nodeOptions: string;
  /** Runs full garbage collections in the process (two, so finalizers' garbage goes too). */
  collectGarbage(): Promise<void>;
}

interface DevtoolsTarget {
  readonly webSocketDebuggerUrl: string;
}

/** Sends one CDP command on a fresh connection and waits for its answer. */
async function command(url: string, method: string): Promise<void> {
  const socket = new WebSocket(url);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve(), { once: true });
      socket.addEventListener("error", () => reject(new Error(`cannot reach the inspector at ${url}`)), {
        once: true,
      });
    });
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("message", (event) => {
        const answer = JSON.parse(String(event.data)) as { id?: number; error?: { message: string } };
        if (answer.id !== 1) return;
        if (answer.error === undefined) resolve();
        else reject(new Error(`${method} failed: ${answer.error.message}`));
      });
      socket.send(JSON.stringify({ id: 1, method }));
    });
  } finally {
    socket.close();
  }
}

/** Picks a free inspector port; the process must be started with the returned `nodeOptions`. */
export async function inspectedProcess(): Promise<InspectedProcess> {
  const port = await freePort();
  return {
    nodeOptions: `--inspect=127.0.0.1:${port}`,
    async collectGarbage() {
      const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as DevtoolsTarget[];
      const url = targets[0]?.webSocketDebuggerUrl;
      if (url === undefined) throw new Error(`the inspector on port ${port} lists no target`);
      await command(url, "HeapProfiler.collectGarbage");
      await command(url, "HeapProfiler.collectGarbage");
    },
  };
}
