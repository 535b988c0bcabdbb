import { describe, expect, it } from "vitest";
import { LoadQueue } from "./load-queue.js";

/** A load the test finishes by hand. */
function manualLoad(log: string[], name: string) {
  let finish = () => {};
  const run = () => {
    log.push(name);
    return new Promise<void>((resolve) => {
      finish = resolve;
    });
  };
  return { run, finish: () => finish() };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe("LoadQueue", () => {
  it("runs at most `concurrency` loads, highest priority first, ties in arrival order", async () => {
    const log: string[] = [];
    const queue = new LoadQueue(1);
    const a = manualLoad(log, "a");
    const b = manualLoad(log, "b");
    const c = manualLoad(log, "c");
    const d = manualLoad(log, "d");
    queue.add(10, a.run);
    queue.add(5, b.run);
    queue.add(5, c.run);
    queue.add(20, d.run);
    expect(log).toEqual(["a"]);
    expect(queue.inProgress).toBe(4);
    for (const load of [a, d, b, c]) {
      load.finish();
      await flush();
    }
    expect(log).toEqual(["a", "d", "b", "c"]);
    expect(queue.inProgress).toBe(0);
  });

  it("lets a raised load overtake and never lowers a priority", async () => {
    const log: string[] = [];
    const queue = new LoadQueue(1);
    const first = manualLoad(log, "first");
    queue.add(0, first.run);
    const background = queue.add(100, manualLoad(log, "background").run);
    const waited = queue.add(50, manualLoad(log, "waited").run);
    expect(queue.raise(waited, 200)).toBe(true);
    expect(queue.raise(background, 1)).toBe(true);
    expect(background.priority).toBe(100);
    first.finish();
    await flush();
    expect(log).toEqual(["first", "waited"]);
  });

  it("drops cancelled loads and runs several at once", async () => {
    const log: string[] = [];
    const queue = new LoadQueue(2);
    const a = manualLoad(log, "a");
    queue.add(1, a.run);
    queue.add(1, manualLoad(log, "b").run);
    const c = queue.add(1, manualLoad(log, "c").run);
    queue.add(1, manualLoad(log, "d").run);
    expect(log).toEqual(["a", "b"]);
    expect(queue.cancel(c)).toBe(true);
    expect(c.state).toBe("cancelled");
    a.finish();
    await flush();
    expect(log).toEqual(["a", "b", "d"]);
    expect(queue.running).toBe(2);
  });

  it("refuses a concurrency below 1", () => {
    expect(() => new LoadQueue(0)).toThrow(RangeError);
  });
});
