import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { CallCapture, messageData, payloadMetadata } from "./call-capture.js";
import { type CompressedData, inflateMessages } from "./compressed-data.js";
import type { Payload } from "./payload.js";
import type { PayloadProcessing } from "./payload-processing.js";

const frame = (bytes: number[]) => Buffer.from([0, 0, 0, 0, bytes.length, ...bytes]);
const gzipFrame = (bytes: number[]) => {
  const packed = gzipSync(Buffer.from(bytes));
  const prefix = Buffer.from([1, 0, 0, 0, 0]);
  prefix.writeUInt32BE(packed.length, 1);
  return Buffer.concat([prefix, packed]);
};

function processing() {
  const got: Payload[] = [];
  const compressed: (CompressedData | undefined)[] = [];
  const sink: PayloadProcessing = {
    submit: (p, c) => {
      compressed.push(c);
      return got.push(p) > 0;
    },
    nextId: () => "i-1",
    dropped: 0,
    close: () => Promise.resolve(),
  };
  return { got, compressed, sink };
}

describe("messageData()", () => {
  it("removes gRPC framing, across chunks and messages", () => {
    const both = Buffer.concat([frame([1, 2]), frame([3])]);
    expect(messageData([both.subarray(0, 3), both.subarray(3)], undefined)).toEqual({
      data: Buffer.from([1, 2, 3]),
    });
    expect(messageData([], undefined)).toEqual({ data: undefined });
    expect(messageData([Buffer.from([0, 0, 0])], undefined)).toEqual({ data: undefined });
  });

  it("leaves compressed messages to inflate later, off the call's path", async () => {
    const { data, compressed } = messageData([gzipFrame([4, 5]), frame([6])], "gzip");
    expect(data).toBeUndefined();
    expect(await inflateMessages(compressed as CompressedData, 100)).toEqual(Buffer.from([4, 5, 6]));
    expect(await inflateMessages(compressed as CompressedData, 1)).toBeUndefined();
    expect(
      await inflateMessages({ ...(compressed as CompressedData), encoding: "snappy" }, 100),
    ).toBeUndefined();
  });
});

describe("payloadMetadata()", () => {
  it("drops pseudo-headers and joins repeated values", () => {
    expect(payloadMetadata({ ":path": "/x", a: "1", "set-cookie": ["b", "c"] })).toEqual({
      a: "1",
      "set-cookie": "b, c",
    });
  });
});

describe("CallCapture", () => {
  it("submits the request and the response of a call with the same id", () => {
    const { got, sink } = processing();
    const capture = new CallCapture(sink, {
      method: "s/m",
      headers: { ":path": "/s/m", "mm-vmodel-id": "v" },
      body: [frame([9])],
      requestedId: "v",
      vModelId: "v",
      maxResponseBytes: 100,
    });
    capture.modelId = "m1";
    capture.observer.onHeaders({ ":status": "200", "content-type": "application/grpc" });
    capture.observer.onData(frame([7, 7]));
    capture.observer.onTrailers({ "grpc-status": "0" });
    capture.finish(undefined);
    expect(got.map((p) => [p.id, p.kind, p.modelId, p.vModelId, p.status])).toEqual([
      ["i-1", "request", "m1", "v", undefined],
      ["i-1", "response", "m1", "v", "OK"],
    ]);
    expect(got[0]?.data).toEqual(Buffer.from([9]));
    expect(got[1]?.data).toEqual(Buffer.from([7, 7]));
    expect(got[1]?.metadata).toEqual({ "content-type": "application/grpc" });
  });

  it("reports the failure's status without data, and drops a response above the size limit", () => {
    const { got, sink } = processing();
    const call = { method: "s/m", headers: {}, body: [frame([1])], requestedId: "m", vModelId: undefined };
    new CallCapture(sink, { ...call, maxResponseBytes: 100 }).finish(5);
    const big = new CallCapture(sink, { ...call, maxResponseBytes: 4 });
    big.observer.onData(frame([1, 2, 3]));
    big.observer.onTrailers({ "grpc-status": "0" });
    big.finish(undefined);
    expect(got.filter((p) => p.kind === "response").map((p) => [p.status, p.data])).toEqual([
      ["NOT_FOUND", undefined],
      ["OK", undefined],
    ]);
  });
});
