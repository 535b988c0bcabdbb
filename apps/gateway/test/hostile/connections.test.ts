import * as http2 from "node:http2";
import { Code } from "@connectrpc/connect";
import { modelHeader, type TestMesh } from "@modelmesh/testkit/mesh";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { describe, expect, it } from "vitest";
import {
  data,
  FrameType,
  frame,
  grpcMessage,
  grpcRequestHeaders,
  H2Error,
  handshaken,
  headers,
  PREFACE,
  ping,
  pingAcked,
  type RawH2,
  rawConnect,
  settings,
} from "./h2-frames.js";
import {
  closedByServer,
  expectServing,
  HEALTH_MODEL,
  plainConnect,
  predictBody,
  trickle,
  useHostileMesh,
} from "./support.js";

// Short limits so each attack is cut off within a second or two (defaults are 10 s / 5 min).
const HANDSHAKE_MS = 1000;
const IDLE_MS = 1500;
const MAX_STREAMS = 8;

const PREDICT = "/mmesh.ExamplePredictor/predict";
const predictHeaders = grpcRequestHeaders(PREDICT, [["mm-model-id", HEALTH_MODEL]]);

let mesh: TestMesh;
useHostileMesh(
  () => ({
    MM_CONN_HANDSHAKE_TIMEOUT_MS: String(HANDSHAKE_MS),
    MM_CONN_IDLE_TIMEOUT_MS: String(IDLE_MS),
    MM_CONN_MAX_CONCURRENT_STREAMS: String(MAX_STREAMS),
  }),
  (started) => {
    mesh = started;
  },
);

/** Confirms the server has read everything sent so far (its PING ACK follows in order). */
async function synced(conn: RawH2): Promise<void> {
  conn.write(ping(7));
  await waitUntil(() => pingAcked(conn), { description: "PING ACK" });
}

/**
 * The GOAWAY code for a zero WINDOW_UPDATE on stream 0, which depends on the nghttp2 inside Node
 * (the gateway runs on the same Node as the tests, `process.execPath`). RFC 9113 §6.9 makes it
 * PROTOCOL_ERROR, which nghttp2 1.69 (Node 22.23) and 1.70 (Node 24.21) send; 1.61 (Node 20)
 * reported a session failure, on which Node sent INTERNAL_ERROR (assumed for every release before
 * 1.69; those between 1.61 and 1.69 were not checked).
 */
function zeroWindowUpdateCode(): number {
  const [major = 0, minor = 0] = (process.versions.nghttp2 ?? "").split(".").map(Number);
  return major === 1 && minor < 69 ? H2Error.INTERNAL_ERROR : H2Error.PROTOCOL_ERROR;
}

// Where a reset lands cannot be observed once the last bytes are partial frames: give the
// server a moment to read them before the RST discards what is unread.
const letServerRead = () => new Promise((resolve) => setTimeout(resolve, 50));

/** Each way a client can reset the serving port mid-handshake or mid-call (TCP RST, SO_LINGER 0). */
const resetPoints: readonly (readonly [string, () => Promise<{ socket: { resetAndDestroy(): unknown } }>])[] =
  [
    ["before sending anything", () => plainConnect(mesh.port)],
    [
      "after a partial preface",
      async () => {
        const conn = await plainConnect(mesh.port);
        conn.socket.write("PRI * HTTP/2.0\r\n");
        await letServerRead();
        return conn;
      },
    ],
    [
      "after the full preface",
      async () => {
        const conn = await rawConnect(mesh.port);
        conn.write(PREFACE);
        await waitUntil(() => conn.frames.some((f) => f.type === FrameType.SETTINGS), {
          description: "server SETTINGS",
        });
        return conn;
      },
    ],
    ["after SETTINGS", () => handshaken(mesh.port)],
    [
      "mid-HEADERS",
      async () => {
        const conn = await handshaken(mesh.port);
        await synced(conn);
        const whole = headers(1, predictHeaders);
        conn.write(whole.subarray(0, Math.floor(whole.length / 2)));
        await letServerRead();
        return conn;
      },
    ],
    [
      "mid-DATA",
      async () => {
        const conn = await handshaken(mesh.port);
        conn.write(headers(1, predictHeaders));
        await synced(conn);
        const whole = data(1, grpcMessage(predictBody("x".repeat(200))), true);
        conn.write(whole.subarray(0, 40));
        await letServerRead();
        return conn;
      },
    ],
    [
      "mid-call (the runtime still answering)",
      async () => {
        const conn = await handshaken(mesh.port);
        conn.write(headers(1, predictHeaders));
        conn.write(data(1, grpcMessage(predictBody("test:delay:300")), true));
        await synced(conn);
        return conn;
      },
    ],
    [
      "HTTP/1.1 mid-headers",
      async () => {
        const conn = await plainConnect(mesh.port);
        conn.socket.write("POST /mmesh.ModelMesh/getModelStatus HTTP/1.1\r\nHost: x\r\nContent-Ty");
        await letServerRead();
        return conn;
      },
    ],
    [
      "HTTP/1.1 mid-body",
      async () => {
        const conn = await plainConnect(mesh.port);
        conn.socket.write(
          'POST /mmesh.ModelMesh/getModelStatus HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"mod',
        );
        await letServerRead();
        return conn;
      },
    ],
  ];

describe("connection resets on the serving port", () => {
  it.each(resetPoints)("a TCP reset %s leaves the gateway serving", async (_where, open) => {
    for (let i = 0; i < 3; i++) {
      const conn = await open();
      conn.socket.resetAndDestroy();
    }
    await expectServing(mesh);
  });
});

describe("slow clients on the serving port", () => {
  it("cuts off an HTTP/2 preface sent a byte at a time at the handshake deadline", async () => {
    const conn = await plainConnect(mesh.port);
    const started = Date.now();
    // 100 ms a byte: the 24-byte preface would take 2.4 s, over the 1 s deadline.
    const sent = await trickle(conn, PREFACE, 100);
    await closedByServer(conn, "the server closing the slow preface");
    expect(sent).toBeLessThan(PREFACE.length);
    expect(Date.now() - started).toBeGreaterThanOrEqual(HANDSHAKE_MS - 50);
    await expectServing(mesh);
  });

  it("cuts off a preface whose SETTINGS never follow", async () => {
    const conn = await rawConnect(mesh.port);
    conn.write(PREFACE);
    await closedByServer(conn, "the server closing a connection without SETTINGS");
    await expectServing(mesh);
  });

  it("closes a connection whose HEADERS arrive a byte at a time (no stream ever opens)", async () => {
    const conn = await handshaken(mesh.port);
    const block = headers(1, [...predictHeaders, ["x-pad", "p".repeat(200)]], { endStream: true });
    const sent = await trickle({ socket: conn.socket, closed: conn.closed, received: () => "" }, block, 50);
    await closedByServer(conn, "the server closing the trickled HEADERS");
    expect(sent).toBeLessThan(block.length);
    expect(conn.goawayCode()).toBe(H2Error.NO_ERROR);
    await expectServing(mesh);
  });

  it("answers HTTP/1.1 headers sent a byte at a time with 408 at the headers deadline", async () => {
    const conn = await plainConnect(mesh.port);
    const request = Buffer.from(
      `POST /mmesh.ModelMesh/getModelStatus HTTP/1.1\r\nHost: x\r\nx-pad: ${"p".repeat(100)}\r\n\r\n`,
    );
    const sent = await trickle(conn, request, 50);
    await closedByServer(conn, "the server closing the trickled HTTP/1.1 headers");
    expect(sent).toBeLessThan(request.length);
    expect(conn.received()).toMatch(/^HTTP\/1\.1 408/);
    await expectServing(mesh);
  });

  it("closes an idle HTTP/2 connection with GOAWAY, but never one with a call in flight", async () => {
    const idle = await handshaken(mesh.port);
    // A call that outlives the idle timeout on a connection of its own.
    const busy = await handshaken(mesh.port);
    busy.write(headers(1, predictHeaders));
    busy.write(data(1, grpcMessage(predictBody(`test:delay:${IDLE_MS * 2}`)), true));
    await closedByServer(idle, "the idle connection closed");
    expect(idle.goawayCode()).toBe(H2Error.NO_ERROR);
    await waitUntil(() => busy.answered().has(1), {
      timeoutMs: 20_000,
      description: "the long call answered",
    });
    expect(busy.resets().size).toBe(0);
    // Idle again once the call is done: closed in turn.
    await closedByServer(busy, "the connection closed after its call");
    await expectServing(mesh);
  });
});

describe("stream floods", () => {
  it("refuses streams over MM_CONN_MAX_CONCURRENT_STREAMS with REFUSED_STREAM and serves the others", async () => {
    const conn = await rawConnect(mesh.port);
    // A flooding client does not wait for the server's SETTINGS: open 3× the limit at once,
    // each stream waiting for its body.
    const flood = MAX_STREAMS * 3;
    const frames = [PREFACE, settings()];
    for (let i = 0; i < flood; i++) frames.push(headers(1 + 2 * i, predictHeaders));
    conn.write(Buffer.concat(frames));
    await waitUntil(() => conn.resets().size >= flood - MAX_STREAMS, {
      description: "the excess streams refused",
    });
    const refused = [...conn.resets()];
    expect(refused.every(([, code]) => code === H2Error.REFUSED_STREAM)).toBe(true);
    expect(Math.min(...refused.map(([id]) => id))).toBe(1 + 2 * MAX_STREAMS);
    // The streams within the limit are still open and served once their bodies arrive.
    for (let i = 0; i < MAX_STREAMS; i++) conn.write(data(1 + 2 * i, grpcMessage(predictBody("hi")), true));
    await waitUntil(() => conn.answered().size === MAX_STREAMS, {
      description: "the first streams answered",
    });
    expect(conn.goawayCode()).toBeUndefined();
    conn.socket.destroy();
    await expectServing(mesh);
  });

  it("ends only the connection of a client that breaks the acknowledged limit (nghttp2: GOAWAY)", async () => {
    const conn = await handshaken(mesh.port);
    for (let i = 0; i <= MAX_STREAMS; i++) conn.write(headers(1 + 2 * i, predictHeaders));
    await closedByServer(conn, "the violating connection closed");
    expect(conn.goawayCode()).toBeDefined();
    await expectServing(mesh);
  });
});

describe("malformed frames", () => {
  it.each([
    [
      "a frame longer than SETTINGS_MAX_FRAME_SIZE",
      frame(FrameType.PING, 0, 0, Buffer.alloc(20_000)),
      H2Error.FRAME_SIZE_ERROR,
    ],
    ["DATA on stream 0", frame(FrameType.DATA, 0, 0, Buffer.from("x")), H2Error.PROTOCOL_ERROR],
    [
      "a SETTINGS frame of 5 bytes",
      frame(FrameType.SETTINGS, 0, 0, Buffer.alloc(5)),
      H2Error.FRAME_SIZE_ERROR,
    ],
    [
      "a zero WINDOW_UPDATE on stream 0",
      frame(FrameType.WINDOW_UPDATE, 0, 0, Buffer.alloc(4)),
      zeroWindowUpdateCode(),
    ],
    // Indexed field 0x7f+: no such entry in the static or dynamic table.
    [
      "invalid HPACK",
      frame(FrameType.HEADERS, 0x5, 1, Buffer.from([0xff, 0xff, 0xff, 0x0f])),
      H2Error.COMPRESSION_ERROR,
    ],
  ])("answers %s with GOAWAY and keeps serving", async (_what, bad, code) => {
    const conn = await handshaken(mesh.port);
    conn.write(bad);
    await closedByServer(conn, "the connection closed");
    expect(conn.goawayCode()).toBe(code);
    await expectServing(mesh);
  });

  it("ignores an unknown frame type on stream 0 and serves the connection", async () => {
    const conn = await handshaken(mesh.port);
    conn.write(frame(0xfa, 0, 0, Buffer.from("unknown")));
    conn.write(headers(1, predictHeaders));
    conn.write(data(1, grpcMessage(predictBody("after unknown")), true));
    await waitUntil(() => conn.answered().has(1), { description: "the call answered" });
    expect(conn.goawayCode()).toBeUndefined();
    conn.socket.destroy();
    await expectServing(mesh);
  });
});

/** One gRPC predict on `session`: the response headers (trailers-only or not) and trailers. */
function grpcOn(
  session: http2.ClientHttp2Session,
  extra: Record<string, string>,
): Promise<{ status: string | undefined; message: string | undefined; reset: number | undefined }> {
  return new Promise((resolve) => {
    const stream = session.request({
      ":method": "POST",
      ":path": PREDICT,
      "content-type": "application/grpc",
      te: "trailers",
      ...modelHeader(HEALTH_MODEL),
      ...extra,
    });
    let status: string | undefined;
    let message: string | undefined;
    const take = (h: http2.IncomingHttpHeaders) => {
      status ??= h["grpc-status"] as string | undefined;
      message ??= h["grpc-message"] as string | undefined;
    };
    stream.on("response", take);
    stream.on("trailers", take);
    stream.on("data", () => {});
    stream.on("error", () => {});
    stream.on("close", () =>
      resolve({
        status,
        message: message === undefined ? undefined : decodeURIComponent(message),
        reset: stream.rstCode === 0 ? undefined : stream.rstCode,
      }),
    );
    stream.end(grpcMessage(predictBody("hi")));
  });
}

describe("oversized header lists", () => {
  it("ends only that stream with RESOURCE_EXHAUSTED naming the limit; the connection keeps serving", async () => {
    const session = http2.connect(`http://127.0.0.1:${mesh.port}`);
    session.on("error", () => {});
    let goaway = false;
    session.on("goaway", () => {
      goaway = true;
    });
    // 20 KiB of metadata against the default 8 KiB limit, and a normal call beside it.
    const [big, normal] = await Promise.all([
      grpcOn(session, { "x-big": "a".repeat(20_000) }),
      grpcOn(session, {}),
    ]);
    expect(big).toMatchObject({ status: "8", reset: undefined });
    expect(big.message).toMatch(/over the limit of 8192 \(MM_SVC_GRPC_MAX_HEADERS_SIZE\)/);
    expect(normal.status).toBe("0");
    expect(await grpcOn(session, {})).toMatchObject({ status: "0" });
    expect(goaway).toBe(false);
    session.close();
    await expectServing(mesh);
  });

  it("documents nghttp2's own limit: one header field over 64 KiB ends the connection (COMPRESSION_ERROR)", async () => {
    const conn = await handshaken(mesh.port);
    conn.write(headers(1, [...predictHeaders, ["x-huge", "a".repeat(70_000)]], { endStream: true }));
    await closedByServer(conn, "the connection closed");
    expect(conn.goawayCode()).toBe(H2Error.COMPRESSION_ERROR);
    await expectServing(mesh);
  });
});

describe("HTTP/1.x requests Connect cannot place", () => {
  it("answers an HTTP/1.0 request without Host with 400 instead of crashing", async () => {
    const conn = await plainConnect(mesh.port);
    conn.socket.write(
      "POST /mmesh.ModelMesh/getModelStatus HTTP/1.0\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}",
    );
    await closedByServer(conn, "the HTTP/1.0 answer");
    expect(conn.received()).toMatch(/^HTTP\/1\.1 400/);
    await expectServing(mesh);
  });
});

describe("broken gRPC-Web and gRPC bodies", () => {
  const getModelStatus = "/mmesh.ModelMesh/getModelStatus";
  const bodies = [
    ["an empty body", Buffer.alloc(0), /no message/],
    ["only a trailers frame", Buffer.from([0x80, 0, 0, 0, 0]), /trailers frame/],
    [
      "two messages",
      Buffer.concat([grpcMessage(Buffer.from([0x0a, 0x01, 0x61])), grpcMessage(Buffer.alloc(0))]),
      /more than one message/,
    ],
  ] as const;

  it.each(bodies)(
    "answers INVALID_ARGUMENT to gRPC-Web over HTTP/1.1 with %s",
    async (_what, body, message) => {
      const response = await fetch(`${mesh.baseUrl}${getModelStatus}`, {
        method: "POST",
        headers: { "content-type": "application/grpc-web+proto" },
        body,
      });
      const trailer = Buffer.from(await response.arrayBuffer()).toString("latin1");
      expect(trailer).toContain("grpc-status: 3\r\n");
      expect(decodeURIComponent(trailer)).toMatch(message);
    },
  );

  it.each(bodies)(
    "answers INVALID_ARGUMENT to gRPC-Web and gRPC over HTTP/2 with %s",
    async (_what, body, message) => {
      const session = http2.connect(mesh.baseUrl);
      session.on("error", () => {});
      for (const contentType of ["application/grpc-web+proto", "application/grpc"]) {
        const answer = await new Promise<string>((resolve) => {
          const stream = session.request({
            ":method": "POST",
            ":path": getModelStatus,
            "content-type": contentType,
          });
          let text = "";
          const take = (h: http2.IncomingHttpHeaders) => {
            if (h["grpc-status"] !== undefined)
              text += `grpc-status: ${h["grpc-status"]}\r\ngrpc-message: ${h["grpc-message"]}\r\n`;
          };
          stream.on("response", take);
          stream.on("trailers", take);
          stream.on("data", (chunk: Buffer) => {
            text += chunk.toString("latin1");
          });
          stream.on("error", () => {});
          stream.on("close", () => resolve(decodeURIComponent(text)));
          stream.end(body);
        });
        expect(answer, contentType).toContain("grpc-status: 3\r\n");
        expect(answer, contentType).toMatch(message);
      }
      session.close();
    },
  );

  it("keeps UNIMPLEMENTED where the protocol really is unsupported: gRPC-Web to an inference path", async () => {
    const response = await new Promise<http2.IncomingHttpHeaders>((resolve) => {
      const session = http2.connect(mesh.baseUrl);
      session.on("error", () => {});
      const stream = session.request({
        ":method": "POST",
        ":path": PREDICT,
        "content-type": "application/grpc-web+proto",
        ...modelHeader(HEALTH_MODEL),
      });
      stream.on("response", (h) => {
        resolve(h);
        session.close();
      });
      stream.on("error", () => {});
      stream.end(Buffer.alloc(0));
    });
    expect(response["grpc-status"]).toBe(String(Code.Unimplemented));
  });

  it("still answers a well-formed gRPC-Web call", async () => {
    const response = await fetch(`${mesh.baseUrl}${getModelStatus}`, {
      method: "POST",
      headers: { "content-type": "application/grpc-web+proto" },
      body: grpcMessage(Buffer.from([0x0a, 0x01, 0x61])),
    });
    const text = Buffer.from(await response.arrayBuffer()).toString("latin1");
    expect(text).toContain("grpc-status: 0\r\n");
    await expectServing(mesh);
  });
});
