import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { LogFields, Logger } from "@modelmesh/core";
import { PredictRequestSchema, PredictResponseSchema } from "@modelmesh/proto";
import type { TestExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { type ConnectRuntimeOptions, connectRuntime, type RuntimeConnection } from "../src/index.js";

/** A length-prefixed gRPC message. */
export function frame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/** A framed ExamplePredictor PredictRequest. */
export function predictBody(text: string, modelName = ""): Buffer {
  return frame(toBinary(PredictRequestSchema, create(PredictRequestSchema, { modelName, text })));
}

/** Every PredictResponse in a framed response body. */
export function predictAnswers(body: Buffer) {
  const answers = [];
  for (let i = 0; i + 5 <= body.length; ) {
    const length = body.readUInt32BE(i + 1);
    answers.push(fromBinary(PredictResponseSchema, body.subarray(i + 5, i + 5 + length)));
    i += 5 + length;
  }
  return answers;
}

/** A Logger that keeps every line, for assertions. */
export function recordingLogger(): Logger & {
  lines: { level: string; message: string; fields: LogFields }[];
} {
  const lines: { level: string; message: string; fields: LogFields }[] = [];
  const at = (level: string) => (fields: LogFields, message: string) => {
    lines.push({ level, message, fields });
  };
  const logger = {
    lines,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    isDebugEnabled: () => true,
    child: () => logger,
  };
  return logger;
}

const connections: RuntimeConnection[] = [];

/** Connects to a test runtime's TCP port with fast polling; closed by {@link closeConnections}. */
export async function connectTo(
  runtime: TestExampleRuntime,
  options: ConnectRuntimeOptions = {},
): Promise<RuntimeConnection> {
  const connection = await connectRuntime({
    ...(runtime.port === undefined
      ? { socketPath: runtime.socket ?? "" }
      : { port: runtime.port, host: "127.0.0.1" }),
    startupPollIntervalMs: 50,
    ...options,
  });
  connections.push(connection);
  return connection;
}

/** Closes every connection made by {@link connectTo}. */
export function closeConnections(): void {
  for (const c of connections.splice(0)) c.close();
}
