import type { LogFields, Logger } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import type { Payload } from "./payload.js";
import { PayloadQueue, type QueuedPayload } from "./payload-queue.js";

function recordingLogger() {
  const lines: { fields: LogFields; message: string }[] = [];
  const push = (fields: LogFields, message: string) => lines.push({ fields, message });
  const logger: Logger = {
    debug: push,
    info: push,
    warn: push,
    error: push,
    isDebugEnabled: () => false,
    child: () => logger,
  };
  return { lines, logger };
}

const payload = (id: string): QueuedPayload => ({ payload: plain(id) });

const plain = (id: string): Payload => ({
  id,
  kind: "request",
  modelId: "m",
  vModelId: undefined,
  method: "s/m",
  metadata: {},
  data: undefined,
  status: undefined,
});

describe("PayloadQueue", () => {
  it("holds `capacity` payloads behind busy workers, drops and counts the rest, reports the first drop at once", async () => {
    const { lines, logger } = recordingLogger();
    const release: (() => void)[] = [];
    const handled: string[] = [];
    let nowMs = 0;
    const queue = new PayloadQueue({
      capacity: 2,
      workers: 1,
      logger,
      now: () => nowMs,
      dropLogIntervalMs: 1000,
      handle: (p) =>
        new Promise<void>((resolve) => {
          handled.push(p.payload.id);
          release.push(resolve);
        }),
    });
    const offered = ["a", "b", "c", "d", "e"].map((id) => queue.offer(payload(id)));
    expect(offered).toEqual([true, true, true, false, false]);
    expect(queue.dropped).toBe(2);
    expect(lines.map((l) => l.fields)).toEqual([{ dropped: 1, droppedTotal: 1, capacity: 2 }]);
    nowMs = 1000;
    expect(queue.offer(payload("f"))).toBe(false);
    expect(lines.at(-1)?.fields).toEqual({ dropped: 2, droppedTotal: 3, capacity: 2 });
    while (release.length > 0) {
      release.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    expect(handled).toEqual(["a", "b", "c"]);
    expect(queue.pending).toBe(0);
    await queue.close(100);
  });

  it("keeps working after a failing handler, runs `workers` at once, drains on close", async () => {
    const { lines, logger } = recordingLogger();
    let running = 0;
    let most = 0;
    const done: string[] = [];
    const queue = new PayloadQueue({
      capacity: 10,
      workers: 3,
      logger,
      async handle(p) {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        if (p.payload.id === "x2") throw new Error("boom");
        done.push(p.payload.id);
      },
    });
    for (let i = 0; i < 8; i++) queue.offer(payload(`x${i}`));
    await queue.close(5000);
    expect(most).toBe(3);
    expect(done.sort()).toEqual(["x0", "x1", "x3", "x4", "x5", "x6", "x7"]);
    expect(lines.find((l) => l.message === "payload processing failed")?.fields).toMatchObject({
      payloadId: "x2",
      reason: "boom",
    });
    expect(queue.offer(payload("late"))).toBe(false);
  });
});
