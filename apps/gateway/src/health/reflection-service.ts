import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import {
  reflectionV1alpha,
  ServerReflection,
  type ServerReflectionRequest,
  ServerReflectionRequestSchema,
  type ServerReflectionResponse,
  ServerReflectionResponseSchema,
} from "@modelmesh/proto";
import type { ReflectionIndex } from "./reflection-index.js";

// gRPC status numbers sent inside reflection error answers (the stream itself stays OK).
const NOT_FOUND = 5;
const UNIMPLEMENTED = 12;

/** One answer's payload (or error), in the shape `create` accepts. */
type Answer = NonNullable<MessageInitShape<typeof ServerReflectionResponseSchema>["messageResponse"]>;

/** Files already sent on one stream: answers after the first leave out dependencies sent before. */
type SentFiles = Set<string>;

function notFound(message: string): Answer {
  return { case: "errorResponse", value: { errorCode: NOT_FOUND, errorMessage: message } };
}

function fileAnswer(
  index: ReflectionIndex,
  file: ReturnType<ReflectionIndex["fileByName"]>,
  sent: SentFiles,
): Answer {
  if (file === undefined) return notFound("no such file");
  const files = index.encodedWithDependencies(file, sent);
  for (const f of files) sent.add(f.name);
  return { case: "fileDescriptorResponse", value: { fileDescriptorProto: files.map((f) => f.bytes) } };
}

/** The answer to one reflection question (v1 messages). */
export function answerReflection(
  index: ReflectionIndex,
  request: ServerReflectionRequest,
  sent: SentFiles,
): ServerReflectionResponse {
  const question = request.messageRequest;
  let messageResponse: Answer;
  switch (question.case) {
    case "listServices":
      messageResponse = {
        case: "listServicesResponse",
        value: { service: index.serviceNames.map((name) => ({ name })) },
      };
      break;
    case "fileByFilename":
      messageResponse = fileAnswer(index, index.fileByName(question.value), sent);
      break;
    case "fileContainingSymbol": {
      const file = index.fileBySymbol(question.value);
      messageResponse =
        file === undefined ? notFound(`symbol not found: ${question.value}`) : fileAnswer(index, file, sent);
      break;
    }
    case "fileContainingExtension":
    case "allExtensionNumbersOfType":
      // None of the served files declares extensions.
      messageResponse = notFound("no extensions are declared by the served files");
      break;
    case undefined:
      messageResponse = {
        case: "errorResponse",
        value: { errorCode: UNIMPLEMENTED, errorMessage: "empty reflection request" },
      };
      break;
    default: {
      const unexpected: never = question;
      throw new Error(`unexpected reflection request ${String(unexpected)}`);
    }
  }
  return create(ServerReflectionResponseSchema, {
    validHost: request.host,
    originalRequest: request,
    messageResponse,
  });
}

/**
 * Serves gRPC server reflection, `grpc.reflection.v1.ServerReflection` and its pre-release name
 * `grpc.reflection.v1alpha.ServerReflection`, over the files of the services in `index`, so
 * grpcurl and similar tools work without .proto files. The protocol is a bidirectional stream,
 * so it needs HTTP/2 (gRPC, or Connect over HTTP/2).
 */
export function registerReflectionService(router: ConnectRouter, index: ReflectionIndex): void {
  router.service(ServerReflection, {
    async *serverReflectionInfo(requests) {
      const sent: SentFiles = new Set();
      for await (const request of requests) yield answerReflection(index, request, sent);
    },
  });
  // The v1alpha messages are the v1 messages under another package: same fields, same numbers.
  router.service(reflectionV1alpha.ServerReflection, {
    async *serverReflectionInfo(requests) {
      const sent: SentFiles = new Set();
      for await (const request of requests) {
        const v1 = fromBinary(
          ServerReflectionRequestSchema,
          toBinary(reflectionV1alpha.ServerReflectionRequestSchema, request),
        );
        const answer = answerReflection(index, v1, sent);
        yield fromBinary(
          reflectionV1alpha.ServerReflectionResponseSchema,
          toBinary(ServerReflectionResponseSchema, answer),
        );
      }
    },
  });
}
