import { execFile } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as http2 from "node:http2";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { type Client, createClient, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { ExamplePredictor, ModelMesh, PredictRequestSchema, PredictResponseSchema } from "@modelmesh/proto";
import type { TestCertFiles } from "@modelmesh/testkit/certs";

/** What a TLS client trusts and presents. */
export interface ClientCreds {
  /** Certificate authority the server's certificate must chain to. */
  readonly ca: Buffer;
  /** A client certificate to present (mTLS). */
  readonly client?: TestCertFiles;
}

/** TLS env of a gateway: key pair, client-auth mode and client trust. */
export function tlsEnv(server: TestCertFiles, extra: Record<string, string> = {}): Record<string, string> {
  return { MM_TLS_KEY_CERT_PATH: server.certPath, MM_TLS_PRIVATE_KEY_PATH: server.keyPath, ...extra };
}

/** Connect's gRPC transport over TLS to `localhost:port` (one HTTP/2 connection, reused). */
export function tlsTransport(port: number, creds: ClientCreds): Transport {
  return createGrpcTransport({
    baseUrl: `https://localhost:${port}`,
    nodeOptions: {
      ca: creds.ca,
      ...(creds.client === undefined ? {} : { cert: creds.client.cert, key: creds.client.key }),
    },
  });
}

/** `mmesh.ModelMesh` and `mmesh.ExamplePredictor` clients over one TLS transport. */
export function tlsClients(
  port: number,
  creds: ClientCreds,
): { management: Client<typeof ModelMesh>; predictor: Client<typeof ExamplePredictor> } {
  const transport = tlsTransport(port, creds);
  return {
    management: createClient(ModelMesh, transport),
    predictor: createClient(ExamplePredictor, transport),
  };
}

/**
 * One `mmesh.ExamplePredictor/predict` call through grpc-js (an independent gRPC implementation)
 * on a new channel with its own TLS credentials. Resolves with the category, or the gRPC status
 * code and details of the failure.
 */
export function grpcJsPredict(
  port: number,
  creds: ClientCreds,
  modelId: string,
): Promise<{ ok: true; category: string } | { ok: false; code: number; details: string }> {
  const credentials = grpc.credentials.createSsl(
    creds.ca,
    creds.client?.key ?? null,
    creds.client?.cert ?? null,
  );
  const client = new grpc.Client(`localhost:${port}`, credentials);
  const metadata = new grpc.Metadata();
  metadata.add("mm-model-id", modelId);
  const body = Buffer.from(
    toBinary(PredictRequestSchema, create(PredictRequestSchema, { text: "over tls" })),
  );
  const identity = (bytes: Buffer) => bytes;
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      "/mmesh.ExamplePredictor/predict",
      identity,
      identity,
      body,
      metadata,
      { deadline: Date.now() + 20_000 },
      (error, response) => {
        client.close();
        if (error) resolve({ ok: false, code: error.code, details: error.details });
        else {
          const decoded = fromBinary(PredictResponseSchema, response ?? Buffer.alloc(0));
          resolve({ ok: true, category: decoded.results[0]?.category ?? "" });
        }
      },
    );
  });
}

/**
 * `curl --cacert` calling a `mmesh.ModelMesh` method with Connect's JSON protocol over HTTP/1.1
 * and TLS. Resolves with curl's exit code, the HTTP status and body (or curl's error text).
 */
export function curlConnect(
  port: number,
  creds: { readonly caPath: string; readonly client?: TestCertFiles },
  method: string,
  body: unknown,
): Promise<{ exitCode: number; status: number; body: string; stderr: string }> {
  const args = [
    ...["-sS", "--http1.1", "--max-time", "20", "--cacert", creds.caPath],
    ...(creds.client === undefined ? [] : ["--cert", creds.client.certPath, "--key", creds.client.keyPath]),
    ...["-H", "content-type: application/json", "-d", JSON.stringify(body)],
    ...["-w", "\n%{http_code}", `https://localhost:${port}/mmesh.ModelMesh/${method}`],
  ];
  return new Promise((resolve) => {
    execFile("curl", args, (error, stdout, stderr) => {
      const exitCode = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      const cut = stdout.lastIndexOf("\n");
      resolve({ exitCode, status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut), stderr });
    });
  });
}

/**
 * Serial number of the certificate a TLS server on `port` presents to a new connection, or the
 * handshake error's message. `client` is presented when given (ports with mTLS).
 */
export function presentedSerial(
  port: number,
  creds: ClientCreds & { readonly alpn?: string },
): Promise<{ ok: true; serial: string } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host: "127.0.0.1",
      port,
      ca: creds.ca,
      servername: "localhost",
      ALPNProtocols: [creds.alpn ?? "h2"],
      ...(creds.client === undefined ? {} : { cert: creds.client.cert, key: creds.client.key }),
    });
    socket.once("secureConnect", () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.destroy();
      resolve({ ok: true, serial });
    });
    socket.once("error", (error) => resolve({ ok: false, error: error.message }));
  });
}

/**
 * A folder laid out like a Kubernetes Secret volume: each file is a symlink `name -> ..data/name`,
 * and `..data` a symlink to a timestamped folder, swapped atomically (rename) on every update,
 * after which the previous folder is removed.
 */
export class SecretVolume {
  readonly dir: string;
  #version = 0;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The path a pod would read `name` at. */
  path(name: string): string {
    return join(this.dir, name);
  }

  /** Replaces the volume's contents at once, as the kubelet does. */
  write(files: Readonly<Record<string, Buffer>>): void {
    const previous = this.#version === 0 ? undefined : `..v${this.#version}`;
    const next = `..v${++this.#version}`;
    mkdirSync(join(this.dir, next));
    for (const [name, content] of Object.entries(files)) writeFileSync(join(this.dir, next, name), content);
    symlinkSync(next, join(this.dir, "..data_tmp"));
    renameSync(join(this.dir, "..data_tmp"), join(this.dir, "..data"));
    for (const name of Object.keys(files)) {
      if (!existsSync(join(this.dir, name))) symlinkSync(join("..data", name), join(this.dir, name));
    }
    if (previous !== undefined) rmSync(join(this.dir, previous), { recursive: true, force: true });
  }
}

/**
 * Opens an HTTP/2 connection over TLS to `port` (a peer port) with `creds`, sends one request
 * and resolves "answered" once response headers arrive, or the error that ended the connection
 * (a refused handshake shows here, not in the TLS handshake of TLS 1.3, where the server checks
 * the client's certificate after the client considers itself connected).
 */
export function http2Probe(
  port: number,
  creds: Partial<ClientCreds> & { readonly plaintext?: boolean },
): Promise<string> {
  return new Promise((resolve) => {
    const session = creds.plaintext
      ? http2.connect(`http://127.0.0.1:${port}`)
      : http2.connect(`https://127.0.0.1:${port}`, {
          ...(creds.ca === undefined ? {} : { ca: creds.ca }),
          ...(creds.client === undefined ? {} : { cert: creds.client.cert, key: creds.client.key }),
          checkServerIdentity: () => undefined,
          rejectUnauthorized: creds.ca !== undefined,
        });
    const done = (outcome: string) => {
      session.destroy();
      resolve(outcome);
    };
    session.on("error", (error) => done(`error: ${error.message}`));
    session.on("close", () => done("closed"));
    const stream = session.request({
      ":method": "POST",
      ":path": "/mmesh.internal.Nothing/probe",
      "content-type": "application/grpc",
    });
    stream.on("response", () => done("answered"));
    stream.on("error", (error) => done(`error: ${error.message}`));
    stream.on("close", () => done(`stream closed: ${stream.rstCode}`));
    stream.end();
  });
}
