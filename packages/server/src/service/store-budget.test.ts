import { createHandlerContext } from "@connectrpc/connect";
import { ModelMesh } from "@modelmesh/proto";
import { describe, expect, it } from "vitest";
import { storeBudget } from "./store-budget.js";

/** The context of a registerModel call with this client deadline. */
function contextWith(timeoutMs: number | undefined) {
  return createHandlerContext({
    service: ModelMesh,
    method: ModelMesh.method.registerModel,
    protocolName: "grpc",
    requestMethod: "POST",
    url: "http://localhost/mmesh.ModelMesh/registerModel",
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
}

describe("storeBudget()", () => {
  it("gives the store the configured time when the client has no nearer deadline", () => {
    expect(storeBudget(contextWith(undefined), 10_000).timeoutMs).toBe(10_000);
    expect(storeBudget(contextWith(60_000), 10_000).timeoutMs).toBe(10_000);
  });

  it("answers before a nearer client deadline: a tenth of it, at most 0.5 s, is kept to reply", () => {
    // The client's time left is measured when the budget is taken: a few ms may have passed.
    const budget = (clientMs: number) => storeBudget(contextWith(clientMs), 10_000).timeoutMs ?? 0;
    expect(budget(8000)).toBeGreaterThan(7450);
    expect(budget(8000)).toBeLessThanOrEqual(7500);
    expect(budget(2000)).toBeGreaterThan(1750);
    expect(budget(2000)).toBeLessThanOrEqual(1800);
  });

  it("passes the client's signal on", () => {
    const context = contextWith(undefined);
    expect(storeBudget(context, 10_000).signal).toBe(context.signal);
  });
});
