import { describe, expect, it } from "vitest";
import { resolveRuntimeEndpoints } from "./endpoints.js";

describe("resolveRuntimeEndpoints()", () => {
  it("tries the default socket, then the default port, when nothing is configured (§8.1)", () => {
    expect(resolveRuntimeEndpoints({})).toEqual({
      candidates: [
        { t: "uds", path: "/tmp/mmesh/grpc.sock" },
        { t: "tcp", host: "localhost", port: 8085 },
      ],
    });
  });

  const cases = [
    {
      name: "a port",
      options: { port: 9000 },
      expected: { candidates: [{ t: "tcp", host: "localhost", port: 9000 }] },
    },
    {
      name: "a socket",
      options: { socketPath: "/run/rt.sock" },
      expected: { candidates: [{ t: "uds", path: "/run/rt.sock" }] },
    },
    {
      name: "a separate serving port",
      options: { port: 9000, servingPort: 9001, host: "127.0.0.1" },
      expected: {
        candidates: [{ t: "tcp", host: "127.0.0.1", port: 9000 }],
        serving: { t: "tcp", host: "127.0.0.1", port: 9001 },
      },
    },
    {
      name: "overridden defaults",
      options: { defaultPort: 1234, defaultSocketPath: "/tmp/x.sock" },
      expected: {
        candidates: [
          { t: "uds", path: "/tmp/x.sock" },
          { t: "tcp", host: "localhost", port: 1234 },
        ],
      },
    },
  ];
  for (const c of cases)
    it(`uses ${c.name}`, () => expect(resolveRuntimeEndpoints(c.options)).toEqual(c.expected));

  it("reports every conflict at once", () => {
    expect(() =>
      resolveRuntimeEndpoints({ port: 1, socketPath: "/a", servingPort: 70_000, servingSocketPath: "" }),
    ).toThrow(
      "invalid runtime endpoint settings: give at most one of INTERNAL_GRPC_PORT and INTERNAL_GRPC_SOCKET_PATH; " +
        "give at most one of INTERNAL_SERVING_GRPC_PORT and INTERNAL_SERVING_GRPC_SOCKET_PATH; " +
        "INTERNAL_SERVING_GRPC_PORT must be a port number 1..65535, got 70000; " +
        "INTERNAL_SERVING_GRPC_SOCKET_PATH must not be empty",
    );
  });
});
