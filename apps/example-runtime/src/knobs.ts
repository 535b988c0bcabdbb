import type { Code } from "@connectrpc/connect";
import { parseGrpcCode } from "./grpc-codes.js";

/** What a model path asks for: a simulated model (test knobs, §8.5 of the reference) or a model file. */
export type ModelPathKnob =
  /** `SIZE_<bytes>_<loadMs>_<unloadMs>`: an echo model of that size, slow to load and unload. */
  | { readonly t: "size"; readonly sizeBytes: number; readonly loadMs: number; readonly unloadMs: number }
  /** `FAIL_<message>`: the first load of the model id fails with INTERNAL `<message>`. */
  | { readonly t: "fail"; readonly message: string }
  /** Anything else: a model file or folder. */
  | { readonly t: "file"; readonly path: string };

const sizePattern = /^SIZE_(\d+)_(\d+)_(\d+)$/;

/** Reads a model path as a test knob, or as a model file path. */
export function parseModelPath(modelPath: string): ModelPathKnob {
  const size = sizePattern.exec(modelPath);
  if (size) {
    return { t: "size", sizeBytes: Number(size[1]), loadMs: Number(size[2]), unloadMs: Number(size[3]) };
  }
  if (modelPath.startsWith("FAIL_")) return { t: "fail", message: modelPath.slice("FAIL_".length) };
  return { t: "file", path: modelPath };
}

/** A `test:` command sent as the text of a predict request. */
export type TextCommand =
  /** `test:purge-models`: forget every loaded model (as if the runtime restarted), then answer. */
  | { readonly t: "purge-models" }
  /** `test:error:code=<CODE>:message=<msg>`: answer with that gRPC error. */
  | { readonly t: "error"; readonly code: Code; readonly message: string }
  /** `test:delay:<ms>`: wait that long before answering (deadline and cancellation tests). */
  | { readonly t: "delay"; readonly ms: number }
  /**
   * `test:answer-bytes:<n>`: answer one result whose category is `n` bytes of `x` (a response of
   * about that size from a small request; memory tests of response relaying). At most
   * {@link MAX_ANSWER_BYTES}.
   */
  | { readonly t: "answer-bytes"; readonly bytes: number }
  /** A `test:` text that is none of the above. */
  | { readonly t: "invalid"; readonly reason: string }
  /** Ordinary text. */
  | { readonly t: "none" };

const errorPattern = /^test:error:code=([^:]+):message=(.*)$/s;
const delayPattern = /^test:delay:(\d+)$/;
const answerBytesPattern = /^test:answer-bytes:(\d+)$/;

/** Largest answer `test:answer-bytes:<n>` makes, bytes (64 MiB: above the mesh's default message limit). */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/** Reads a predict text as a {@link TextCommand}. */
export function parseTextCommand(text: string): TextCommand {
  if (!text.startsWith("test:")) return { t: "none" };
  if (text === "test:purge-models") return { t: "purge-models" };
  const delay = delayPattern.exec(text);
  if (delay) return { t: "delay", ms: Number(delay[1]) };
  const answerBytes = answerBytesPattern.exec(text);
  if (answerBytes) {
    const bytes = Number(answerBytes[1]);
    if (bytes > MAX_ANSWER_BYTES) {
      return { t: "invalid", reason: `test:answer-bytes: ${bytes} is more than ${MAX_ANSWER_BYTES}` };
    }
    return { t: "answer-bytes", bytes };
  }
  const error = errorPattern.exec(text);
  if (error) {
    const code = parseGrpcCode(error[1] ?? "");
    if (code === undefined) return { t: "invalid", reason: `unknown gRPC code "${error[1]}"` };
    return { t: "error", code, message: error[2] ?? "" };
  }
  return {
    t: "invalid",
    reason: `unknown test command "${text.slice(0, 80)}" (test:purge-models, test:error:code=<CODE>:message=<msg>, test:delay:<ms>, test:answer-bytes:<n>)`,
  };
}
