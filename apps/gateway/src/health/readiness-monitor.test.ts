import { describe, expect, it } from "vitest";
import { ReadinessMonitor } from "./readiness-monitor.js";

async function take(iterator: AsyncIterator<boolean>, count: number): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < count; i++) {
    const next = await iterator.next();
    if (next.done === true) break;
    out.push(next.value);
  }
  return out;
}

describe("ReadinessMonitor", () => {
  it("sends the current value, then every change made visible by refresh, in order", async () => {
    let ready = false;
    const monitor = new ReadinessMonitor({ isReady: () => ready, pollIntervalMs: 60_000 });
    const watch = monitor.watch(new AbortController().signal);
    const first = await take(watch, 1);
    ready = true;
    monitor.refresh();
    ready = false;
    monitor.refresh();
    monitor.refresh();
    expect([...first, ...(await take(watch, 2))]).toEqual([false, true, false]);
    monitor.close();
    expect(await watch.next()).toEqual({ done: true, value: undefined });
  });

  it("polls while watched, so changes arrive without refresh", async () => {
    let ready = true;
    const monitor = new ReadinessMonitor({ isReady: () => ready, pollIntervalMs: 5 });
    const watch = monitor.watch(new AbortController().signal);
    expect(await take(watch, 1)).toEqual([true]);
    ready = false;
    expect(await take(watch, 1)).toEqual([false]);
    monitor.close();
  });

  it("ends a watch when its signal aborts, and close() sends the final value first", async () => {
    let ready = true;
    const monitor = new ReadinessMonitor({ isReady: () => ready, pollIntervalMs: 60_000 });
    const aborter = new AbortController();
    const aborted = monitor.watch(aborter.signal);
    const closed = monitor.watch(new AbortController().signal);
    await take(aborted, 1);
    await take(closed, 1);
    aborter.abort();
    expect(await aborted.next()).toEqual({ done: true, value: undefined });
    ready = false;
    monitor.close();
    expect(await take(closed, 5)).toEqual([false]);
  });
});
