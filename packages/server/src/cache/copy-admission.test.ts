import { describe, expect, it } from "vitest";
import { CopyAdmission, resolveMaxInFlight } from "./copy-admission.js";

describe("resolveMaxInFlight()", () => {
  it("defaults to max(16, 8 × permits), and a negative setting means no bound", () => {
    expect(resolveMaxInFlight(0, 1)).toBe(16);
    expect(resolveMaxInFlight(0, 4)).toBe(32);
    expect(resolveMaxInFlight(5, 4)).toBe(5);
    expect(resolveMaxInFlight(-1, 4)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("CopyAdmission", () => {
  it("runs `permits` calls at once and lets the others wait in arrival order", async () => {
    const admission = new CopyAdmission({ permits: 2, maxInFlight: 10 });
    const order: number[] = [];
    const first = await admission.acquire();
    const second = await admission.acquire();
    const waiting = [3, 4, 5].map((n) =>
      admission.acquire().then((release) => {
        order.push(n);
        return release;
      }),
    );
    expect([admission.running, admission.queued]).toEqual([2, 3]);
    first();
    first(); // released twice: counted once
    const third = await waiting[0];
    expect([admission.running, admission.queued]).toEqual([2, 2]);
    second();
    third?.();
    const [fourth, fifth] = await Promise.all([waiting[1], waiting[2]]);
    expect(order).toEqual([3, 4, 5]);
    fourth?.();
    fifth?.();
    expect([admission.running, admission.queued]).toEqual([0, 0]);
  });

  it("refuses a call beyond maxInFlight with CAPACITY_EXHAUSTED 'Model queue overload'", async () => {
    const admission = new CopyAdmission({ permits: 1, maxInFlight: 2 });
    await admission.acquire();
    const queued = admission.acquire();
    await expect(admission.acquire()).rejects.toMatchObject({
      code: "CAPACITY_EXHAUSTED",
      message: "Model queue overload",
    });
    expect(admission.queued).toBe(1);
    void queued;
  });

  it("drops a waiting call whose signal aborts", async () => {
    const admission = new CopyAdmission({ permits: 1, maxInFlight: 5 });
    const running = await admission.acquire();
    const controller = new AbortController();
    const waiting = admission.acquire(controller.signal);
    controller.abort(new Error("client went away"));
    await expect(waiting).rejects.toThrow("client went away");
    expect(admission.queued).toBe(0);
    running();
    expect(admission.running).toBe(0);
  });
});
