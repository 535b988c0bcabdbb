import { startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { callBatch, callHeaders, sizedAnswerRequest } from "@modelmesh/testkit/relay-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerLoaded } from "../support.js";
import { type InspectedProcess, inspectedProcess } from "./inspector-gc.js";
import { MiB, settledRssBytes } from "./process-memory.js";

// Memory of the gateway while it relays many large answers: the acceptance check. Each
// 1 MiB answer used to stay in the gateway for good (the relay ended the call at the runtime's
// trailers while body bytes still waited behind client back-pressure, cutting the answer short
// and leaving the paused runtime stream open), about 0.8 MiB per call here. RSS is read after
// full garbage collections (through the gateway's inspector), so it counts what the gateway keeps,
// not how much garbage the collector lets pile up first (which differs between Node versions).

/**
 * Calls in flight: connections × concurrent streams on each (as `h2load -c 2 -m 4`). The answers
 * in flight set the high-water mark of the allocator's heap, which RSS keeps after they are
 * freed (about 40 MiB with 8 in flight, 60 MiB with 32): 8 keep that noise well under the bound,
 * and the run is CPU-bound, so more would not make it faster.
 */
const connections = 2;
const streams = 4;

afterAll(stopAllProcesses);

describe("relaying large answers", () => {
  let mesh: TestMesh;
  let inspector: InspectedProcess;
  const modelId = "relay-memory-echo";

  beforeAll(async () => {
    inspector = await inspectedProcess();
    mesh = await startMesh({ name: "relay-memory", env: { NODE_OPTIONS: inspector.nodeOptions } });
    await registerLoaded(mesh, modelId);
  });
  afterAll(async () => {
    expect(await mesh.stop()).toBe(0);
  });

  /**
   * Relays `first` answers of `answerBytes`, then the rest up to `total`; returns the growth of
   * the gateway's RSS after garbage collection between the parts and the calls that did not end
   * OK with their whole answer.
   */
  async function relay(answerBytes: number, first: number, total: number) {
    const batch = (count: number) =>
      callBatch(mesh.port, {
        count,
        connections,
        streams,
        headers: callHeaders(modelId),
        body: sizedAnswerRequest(answerBytes),
        minMessageBytes: answerBytes,
      });
    const retainedRss = async () => {
      await inspector.collectGarbage();
      return settledRssBytes(mesh.gateway.pid);
    };
    const warmUp = await batch(first);
    const afterFirst = await retainedRss();
    const rest = await batch(total - first);
    const afterAll = await retainedRss();
    return {
      growthMiB: (afterAll - afterFirst) / MiB,
      complete: warmUp.complete + rest.complete,
      others: { ...warmUp.others, ...rest.others },
    };
  }

  it("keeps RSS after 3,000 relayed 1 MiB answers within 64 MiB of its value after the first 300", {
    timeout: 600_000,
  }, async () => {
    const result = await relay(MiB, 300, 3000);
    expect(result.growthMiB, "RSS growth from call 300 to call 3,000 (MiB)").toBeLessThanOrEqual(64);
    expect(result.others, "calls without a whole answer and status OK").toEqual({});
    expect(result.complete).toBe(3000);
  });

  it("keeps RSS after 3,000 relayed 10 KiB answers within 16 MiB of its value after the first 300", {
    timeout: 300_000,
  }, async () => {
    // Proportionate to the answer: keeping every 10 KiB answer would grow it by about 26 MiB.
    const result = await relay(10 * 1024, 300, 3000);
    expect(result.growthMiB, "RSS growth from call 300 to call 3,000 (MiB)").toBeLessThanOrEqual(16);
    expect(result.others, "calls without a whole answer and status OK").toEqual({});
    expect(result.complete).toBe(3000);
  });
});
