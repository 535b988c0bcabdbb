import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseEtcdKvStore } from "../src/index.js";

const pem = (kind: string) => `-----BEGIN ${kind}-----\nMIIB\n-----END ${kind}-----\n`;

function configFile(json: unknown, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "mm-etcd-config-"));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  const path = join(dir, "etcd-config.json");
  writeFileSync(path, typeof json === "string" ? json : JSON.stringify(json));
  return path;
}

describe("parseEtcdKvStore(): KV_STORE=etcd:<endpoints>[;rootPrefix=...] (§1.1)", () => {
  it("accepts endpoint lists with or without a scheme, defaulting the port to 2379", () => {
    expect(parseEtcdKvStore("etcd:model-mesh-etcd:2379")).toEqual({
      ok: true,
      config: { endpoints: ["model-mesh-etcd:2379"], rootPrefix: "" },
      warnings: [],
    });
    expect(parseEtcdKvStore("etcd:http://10.0.0.1:2379,http://10.0.0.2,[::1]:2380;rootPrefix=mm")).toEqual({
      ok: true,
      config: { endpoints: ["10.0.0.1:2379", "10.0.0.2:2379", "[::1]:2380"], rootPrefix: "mm" },
      warnings: [],
    });
    expect(parseEtcdKvStore("etcd:https://etcd.example.com:2379")).toMatchObject({
      ok: true,
      config: { endpoints: ["etcd.example.com:2379"], tls: {} },
    });
  });

  it("reports every problem of a bad value at once", () => {
    const result = parseEtcdKvStore("etcd:http://ok:1,bad host,host:99999;rootPrefix=;colour=blue");
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems).toHaveLength(4);
    expect(problems.join("\n")).toMatch(/bad host/);
    expect(problems.join("\n")).toMatch(/port out of range/);
    expect(problems.join("\n")).toMatch(/rootPrefix=/);
    expect(problems.join("\n")).toMatch(/colour=blue/);
    expect(parseEtcdKvStore("etcd:")).toEqual({ ok: false, problems: ["KV_STORE: no etcd endpoints given"] });
    expect(parseEtcdKvStore("etcd:http://a:1,https://b:2")).toMatchObject({
      ok: false,
      problems: [expect.stringMatching(/mix/)],
    });
    expect(parseEtcdKvStore("zookeeper:zk:2181")).toMatchObject({
      ok: false,
      problems: [expect.stringMatching(/ZooKeeper/)],
    });
    expect(parseEtcdKvStore("consul:x")).toMatchObject({
      ok: false,
      problems: [expect.stringMatching(/must start with "etcd:"/)],
    });
    expect(parseEtcdKvStore("etcd:/etc/missing/etcd.json")).toMatchObject({
      ok: false,
      problems: [expect.stringMatching(/not found/)],
    });
  });
});

describe("parseEtcdKvStore(): KV_STORE=etcd:<path to JSON config>", () => {
  it("reads the original's JSON fields, with files next to the config and inline PEM", () => {
    const path = configFile(
      {
        endpoints: "https://etcd-0:2379,https://etcd-1:2379",
        userid: "root",
        password: "secret",
        root_prefix: "modelmesh",
        certificate_file: "ca.pem",
        client_key: pem("PRIVATE KEY"),
        client_certificate_file: "client.pem",
        override_authority: "etcd.internal",
      },
      { "ca.pem": pem("CERTIFICATE"), "client.pem": pem("CERTIFICATE") },
    );
    expect(parseEtcdKvStore(`etcd:${path}`)).toEqual({
      ok: true,
      config: {
        endpoints: ["etcd-0:2379", "etcd-1:2379"],
        rootPrefix: "modelmesh",
        auth: { username: "root", password: "secret" },
        tls: {
          caPem: pem("CERTIFICATE"),
          clientKeyPem: pem("PRIVATE KEY"),
          clientCertPem: pem("CERTIFICATE"),
          overrideAuthority: "etcd.internal",
        },
      },
      warnings: [],
    });
  });

  it("chooses TLS as etcd-java does: https://, or a CA with scheme-less endpoints, or tls_mode", () => {
    const tlsOf = (json: unknown, files: Record<string, string> = {}) => {
      const result = parseEtcdKvStore(`etcd:${configFile(json, files)}`);
      if (!result.ok) throw new Error(result.problems.join("; "));
      return result.config.tls !== undefined;
    };
    expect(tlsOf({ endpoints: "etcd:2379" })).toBe(false);
    expect(tlsOf({ endpoints: "etcd:2379", certificate: pem("CERTIFICATE") })).toBe(true);
    expect(tlsOf({ endpoints: "http://etcd:2379", certificate: pem("CERTIFICATE") })).toBe(false);
    expect(tlsOf({ endpoints: "etcd:2379", tls_mode: "TLS" })).toBe(true);
    expect(tlsOf({ endpoints: "etcd:2379", certificate: pem("CERTIFICATE"), tls_mode: "PLAINTEXT" })).toBe(
      false,
    );
  });

  it("reports every problem of a bad config file, and warns about fields it ignores", () => {
    const path = configFile({
      userid: "root",
      client_certificate_file: "missing.pem",
      certificate: "not a pem",
      client_key: pem("PRIVATE KEY"),
      tls_mode: "SOMETIMES",
      compose_deployment: "x",
      colour: "blue",
    });
    const result = parseEtcdKvStore(`etcd:${path}`);
    expect(result.ok).toBe(false);
    const problems = result.ok ? "" : result.problems.join("\n");
    for (const expected of [
      /"endpoints" is required/,
      /missing\.pem/,
      /not a PEM/,
      /client key and a client certificate/,
      /"userid" and "password"/,
      /tls_mode/,
    ]) {
      expect(problems).toMatch(expected);
    }
    const warned = parseEtcdKvStore(
      `etcd:${configFile({ endpoints: "e:1", compose_deployment: "x", colour: "blue" })}`,
    );
    expect(warned).toMatchObject({
      ok: true,
      warnings: [expect.stringMatching(/colour/), expect.stringMatching(/compose_deployment/)],
    });
    expect(parseEtcdKvStore(`etcd:${configFile("{ not json")}`)).toMatchObject({
      ok: false,
      problems: [expect.stringMatching(/cannot read/)],
    });
  });
});
