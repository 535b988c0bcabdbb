import { isMeshError, MeshError, noopLogger } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import {
  runStaticRegistration,
  type StaticLoadOutcome,
  type StaticModel,
  type StaticRegistrationDeps,
} from "./static-models.js";

/** Deps that record every call in order; `outcomes` answers the waits (LOADED by default). */
function fakeDeps(outcomes: Record<string, StaticLoadOutcome> = {}) {
  const calls: string[] = [];
  const registered: StaticModel[] = [];
  const vmodels: StaticModel[] = [];
  const deps: StaticRegistrationDeps = {
    async register(model) {
      calls.push(`register ${model.modelId}`);
      registered.push(model);
    },
    async setVModel(model) {
      calls.push(`setVModel ${model.vModelId} -> ${model.modelId}`);
      vmodels.push(model);
    },
    async ensureLoaded(modelId) {
      calls.push(`ensureLoaded ${modelId}`);
      return outcomes[modelId] ?? { status: "LOADED", errors: [] };
    },
    logger: noopLogger,
  };
  return { deps, calls, registered, vmodels };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
}

describe("runStaticRegistration()", () => {
  it("does nothing without models", async () => {
    const { deps, calls } = fakeDeps();
    await runStaticRegistration([], deps);
    expect(calls).toEqual([]);
  });

  it("registers plain models, then waits only for the ensureLoaded ones", async () => {
    const { deps, calls, registered } = fakeDeps();
    const a: StaticModel = { modelId: "a", modelInfo: { type: "t", path: "p" } };
    const b: StaticModel = { modelId: "b", modelInfo: { type: "t" }, ensureLoaded: true };
    await runStaticRegistration([a, b], deps);
    expect(calls).toEqual(["register a", "register b", "ensureLoaded b"]);
    expect(registered).toEqual([a, b]);
  });

  it("hands vModelId entries to setVModel with the whole entry", async () => {
    const { deps, calls, vmodels } = fakeDeps();
    const entry: StaticModel = {
      modelId: "m-v2",
      modelInfo: { type: "t", path: "p", key: "k" },
      vModelId: "v",
      retainAfterTransition: true,
      ensureLoaded: true,
    };
    await runStaticRegistration([entry], deps);
    expect(calls).toEqual(["setVModel v -> m-v2", "ensureLoaded m-v2"]);
    expect(vmodels).toEqual([entry]);
  });

  it("waits for a model named twice once", async () => {
    const { deps, calls } = fakeDeps();
    const info = { type: "t" };
    await runStaticRegistration(
      [
        { modelId: "m", modelInfo: info, ensureLoaded: true },
        { modelId: "m", modelInfo: info, vModelId: "v", ensureLoaded: true },
      ],
      deps,
    );
    expect(calls).toEqual(["register m", "setVModel v -> m", "ensureLoaded m"]);
  });

  it("rejects naming every model that failed to load, with its most recent error", async () => {
    const { deps } = fakeDeps({
      x: { status: "LOADING_FAILED", errors: ["disk on fire", "older"] },
      y: { status: "LOADING_FAILED", errors: [] },
    });
    const models: StaticModel[] = ["ok", "x", "y"].map((modelId) => ({
      modelId,
      modelInfo: { type: "t" },
      ensureLoaded: true,
    }));
    const error = await rejection(runStaticRegistration(models, deps));
    expect(isMeshError(error) && error.code).toBe("LOAD_FAILED");
    expect((error as Error).message).toBe(
      'static registration: model "x" failed to load: disk on fire; model "y" failed to load: no reason given',
    );
  });

  it("does not fail for a model still loading or gone, as the original", async () => {
    const { deps } = fakeDeps({
      a: { status: "LOADING", errors: [] },
      b: { status: "NOT_FOUND", errors: [] },
    });
    const models: StaticModel[] = ["a", "b"].map((modelId) => ({
      modelId,
      modelInfo: { type: "t" },
      ensureLoaded: true,
    }));
    await expect(runStaticRegistration(models, deps)).resolves.toBeUndefined();
  });

  it("stops at the first failed registration, without waiting", async () => {
    const { deps, calls } = fakeDeps();
    const failing: StaticRegistrationDeps = {
      ...deps,
      async setVModel(model) {
        calls.push(`setVModel ${model.vModelId}`);
        throw new MeshError("UNIMPLEMENTED", "vmodels not supported");
      },
    };
    const error = await rejection(
      runStaticRegistration(
        [
          { modelId: "a", modelInfo: { type: "t" }, vModelId: "v", ensureLoaded: true },
          { modelId: "b", modelInfo: { type: "t" } },
        ],
        failing,
      ),
    );
    expect(isMeshError(error) && error.code).toBe("UNIMPLEMENTED");
    expect((error as Error).message).toBe(
      'static registration: registering vmodel "v" (target model "a") failed: vmodels not supported',
    );
    expect(calls).toEqual(["setVModel v"]);
  });

  const invalid: [string, StaticModel, string][] = [
    ["an empty modelId", { modelId: "", modelInfo: { type: "t" } }, "static model without modelId"],
    [
      "an empty type",
      { modelId: "m", modelInfo: { type: "" } },
      'static model "m" has an empty modelInfo.type',
    ],
    [
      "retainAfterTransition without vModelId",
      { modelId: "m", modelInfo: { type: "t" }, retainAfterTransition: true },
      'static model "m": retainAfterTransition applies only with a vModelId',
    ],
  ];
  for (const [name, model, message] of invalid) {
    it(`refuses ${name} before registering anything`, async () => {
      const { deps, calls } = fakeDeps();
      const error = await rejection(
        runStaticRegistration([{ modelId: "ok", modelInfo: { type: "t" } }, model], deps),
      );
      expect(isMeshError(error) && error.code).toBe("INVALID_ARGUMENT");
      expect((error as Error).message).toBe(message);
      expect(calls).toEqual([]);
    });
  }
});
