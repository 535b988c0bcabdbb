import { type InstanceRecord, noExtraFields } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { parseHostPort, peerEndpointOf, peerTarget } from "../../src/peer/peer-address.js";

function record(fields: Partial<InstanceRecord>): InstanceRecord {
  return {
    startTimeMs: 0,
    version: 1,
    labels: [],
    lruTimeMs: 0,
    count: 0,
    capacityUnits: 0,
    usedUnits: 0,
    loadingThreads: 1,
    loadsInProgress: 0,
    rpm: 0,
    shutdown: false,
    extra: noExtraFields,
    ...fields,
  };
}

describe("parseHostPort()", () => {
  const cases: [string, ReturnType<typeof parseHostPort>][] = [
    ["10.0.0.7:8080", { host: "10.0.0.7", port: 8080 }],
    ["pod.svc.cluster.local:1", { host: "pod.svc.cluster.local", port: 1 }],
    ["::1:8080", { host: "::1", port: 8080 }],
    ["[fe80::1]:9000", { host: "fe80::1", port: 9000 }],
    ["host", undefined],
    [":8080", undefined],
    ["host:0", undefined],
    ["host:65536", undefined],
    ["host:80x", undefined],
    ["a b:80", undefined],
  ];
  for (const [text, expected] of cases) {
    it(`reads "${text}"`, () => expect(parseHostPort(text)).toEqual(expected));
  }
});

describe("peerEndpointOf()", () => {
  it("prefers the internal endpoint, else the location with the default port", () => {
    expect(peerEndpointOf(record({ internalEndpoint: "h:1", location: "x" }))).toEqual({
      host: "h",
      port: 1,
    });
    expect(peerEndpointOf(record({ location: "10.1.2.3" }))).toEqual({ host: "10.1.2.3", port: 8080 });
    expect(peerEndpointOf(record({ location: "10.1.2.3" }), 9090)).toEqual({ host: "10.1.2.3", port: 9090 });
    expect(peerEndpointOf(record({}))).toBeUndefined();
  });

  it("brackets IPv6 hosts in the target URL", () => {
    expect(peerTarget({ host: "::1", port: 8080 }).url).toBe("http://[::1]:8080");
  });
});
