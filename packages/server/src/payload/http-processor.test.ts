import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { LogFields, Logger } from "@modelmesh/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HTTP_PROCESSOR_FAILURE_LOG_INTERVAL_MS, httpPayloadProcessor } from "./http-processor.js";
import type { Payload } from "./payload.js";

const payload: Payload = {
  id: "i-1",
  kind: "request",
  modelId: "m",
  vModelId: undefined,
  method: "s/m",
  metadata: {},
  data: new Uint8Array([1]),
  status: undefined,
};

describe("httpPayloadProcessor()", () => {
  const bodies: string[] = [];
  let status = 200;
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => {
      text += c.toString();
    });
    req.on("end", () => {
      bodies.push(`${req.method} ${req.url} ${req.headers["content-type"]} ${text}`);
      res.writeHead(status).end();
    });
  });
  let base = "";
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const warnings: LogFields[] = [];
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (fields) => warnings.push(fields),
    error: () => {},
    isDebugEnabled: () => false,
    child: () => logger,
  };

  it("POSTs the JSON body to the URL, query included", async () => {
    await httpPayloadProcessor(`${base}/sink?vmodel=v`, logger).process(payload);
    expect(bodies.at(-1)).toBe(
      'POST /sink?vmodel=v application/json {"id":"i-1","modelid":"m","vModelId":null,"data":"AQ==","kind":"request","status":"","metadata":{}}',
    );
  });

  it("logs failures at most once per interval, counting the others", async () => {
    status = 503;
    let nowMs = 0;
    const processor = httpPayloadProcessor(`${base}/down`, logger, () => nowMs);
    warnings.length = 0;
    await processor.process(payload);
    await processor.process(payload);
    await processor.process(payload);
    nowMs = HTTP_PROCESSOR_FAILURE_LOG_INTERVAL_MS;
    await processor.process(payload);
    expect(warnings).toEqual([
      { url: `${base}/down`, payloadId: "i-1", httpStatus: 503, failuresNotLogged: 0 },
      { url: `${base}/down`, payloadId: "i-1", httpStatus: 503, failuresNotLogged: 2 },
    ]);
    status = 200;
  });

  it("never throws when the endpoint is unreachable", async () => {
    warnings.length = 0;
    await httpPayloadProcessor("http://127.0.0.1:9/closed", logger).process(payload);
    expect(warnings[0]).toMatchObject({ payloadId: "i-1", failuresNotLogged: 0 });
    expect(String(warnings[0]?.reason)).not.toBe("");
  });
});
