import { X509Certificate } from "node:crypto";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "@modelmesh/core";
import { createTestCa, type TestCertFiles, type TestCertificateAuthority } from "@modelmesh/testkit/certs";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TlsSection } from "../config/sections/tls.js";
import { TlsReloader } from "./tls-reloader.js";
import { loadTlsSnapshot, type TlsSnapshot } from "./tls-snapshot.js";

interface Line {
  readonly level: string;
  readonly message: string;
  readonly fields: object;
}

function recordingLogger(lines: Line[]): Logger {
  const log = (level: string) => (fields: object, message: string) => lines.push({ level, fields, message });
  const logger: Logger = {
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    isDebugEnabled: () => false,
    child: () => logger,
  };
  return logger;
}

describe("TlsReloader", () => {
  let ca: TestCertificateAuthority;
  let first: TestCertFiles;
  let second: TestCertFiles;
  let dir: string;
  let files: Pick<TlsSection, "serving" | "peer">;

  const install = (pair: TestCertFiles, key: TestCertFiles = pair) => {
    copyFileSync(pair.certPath, join(dir, "tls.crt"));
    copyFileSync(key.keyPath, join(dir, "tls.key"));
  };
  const start = (intervalMs: number, lines: Line[]) => {
    const initial = loadTlsSnapshot(files);
    if (!initial.ok) throw new Error(initial.errors.join("; "));
    return new TlsReloader({ files, initial: initial.value, intervalMs, logger: recordingLogger(lines) });
  };

  beforeAll(() => {
    ca = createTestCa("reloader-ca");
    first = ca.issue({ name: "first" });
    second = ca.issue({ name: "second" });
    dir = mkdtempSync(join(tmpdir(), "mm-tls-reload-"));
    files = {
      serving: {
        certPath: join(dir, "tls.crt"),
        keyPath: join(dir, "tls.key"),
        clientAuth: "NONE",
        trustPaths: null,
      },
      peer: { clientAuth: true, extraTrustPaths: [ca.root.certPath] },
    };
  });
  afterAll(() => {
    ca.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it("takes new valid files on a file event, tells subscribers once, keeps the trust", async () => {
    install(first);
    const lines: Line[] = [];
    // A poll interval far beyond the test: only the file event can trigger the reload.
    const reloader = start(3_600_000, lines);
    const seen: TlsSnapshot[] = [];
    reloader.subscribe((snapshot) => seen.push(snapshot));
    install(second);
    await waitUntil(() => seen.length === 1, { timeoutMs: 10_000, description: "reload on file event" });
    expect(reloader.current.pair.cert.equals(second.cert)).toBe(true);
    // The CA from MM_INTERNAL_TRUST_CERTS stays trusted next to the new certificate.
    const caText = new X509Certificate(ca.root.cert).toString();
    expect(reloader.current.peerTrust.map((b) => b.toString())).toContain(caText);
    expect(reloader.reload()).toBe(false); // same bytes again: nothing to tell
    expect(seen).toHaveLength(1);
    reloader.close();
  });

  it("keeps the material in force when new files are not usable, logging the problem once", () => {
    install(first);
    const lines: Line[] = [];
    const reloader = start(3_600_000, lines);
    install(second, first); // certificate and key do not match
    expect(reloader.reload()).toBe(false);
    expect(reloader.reload()).toBe(false);
    expect(reloader.current.pair.cert.equals(first.cert)).toBe(true);
    const errors = lines.filter((l) => l.level === "error");
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors[0]?.fields)).toContain("does not match the certificate");
    install(second);
    expect(reloader.reload()).toBe(true);
    reloader.close();
  });

  it("finds changes by polling too", async () => {
    install(first);
    const reloader = start(100, []);
    let changes = 0;
    reloader.subscribe(() => changes++);
    install(second);
    await waitUntil(() => changes === 1, { timeoutMs: 10_000, description: "reload" });
    reloader.close();
  });
});
