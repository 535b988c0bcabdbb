import { describe, expect, it } from "vitest";
import { UnloadRetryQueue } from "./unload-retry-queue.js";

describe("UnloadRetryQueue", () => {
  it("runs one queued retry per period until the queue is empty", async () => {
    const queue = new UnloadRetryQueue({ intervalMs: 5 });
    const order: number[] = [];
    const results = [1, 2, 3].map((n) =>
      queue.enqueue(async () => {
        order.push(n);
        return true;
      }),
    );
    expect(queue.size).toBe(3);
    await Promise.all(results);
    expect(order).toEqual([1, 2, 3]);
    expect(queue.size).toBe(0);
  });

  it("passes each retry's outcome to its promise", async () => {
    const queue = new UnloadRetryQueue({ intervalMs: 1000 });
    const failing = queue.enqueue(() => Promise.reject(new Error("still failing")));
    expect(queue.processOne()).toBe(true);
    await expect(failing).rejects.toThrow("still failing");
    expect(queue.processOne()).toBe(false);
    queue.close();
  });

  it("flushes everything at most once per flush interval", async () => {
    const queue = new UnloadRetryQueue({ intervalMs: 60_000, flushMinIntervalMs: 60_000 });
    let runs = 0;
    const run = async () => {
      runs++;
      return true;
    };
    const first = [queue.enqueue(run), queue.enqueue(run)];
    queue.flush();
    await Promise.all(first);
    expect(runs).toBe(2);
    const later = queue.enqueue(run);
    queue.flush();
    expect(queue.size).toBe(1);
    queue.close();
    await expect(later).rejects.toThrow("shutting down");
  });

  it("refuses new retries once closed", async () => {
    const queue = new UnloadRetryQueue();
    queue.close();
    expect(queue.closed).toBe(true);
    await expect(queue.enqueue(async () => true)).rejects.toThrow("shutting down");
  });
});
