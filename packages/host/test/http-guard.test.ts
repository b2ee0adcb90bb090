import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addressKind, addressRefusal } from "../src/services/http/address-policy.js";
import { HopRefusedError, requestHop } from "../src/services/http/guarded-request.js";

describe("address policy", () => {
  it.each([
    ["8.8.8.8", "public"],
    ["127.0.0.1", "loopback"],
    ["::1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.20.0.1", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "private"],
    ["fd12::1", "private"],
    ["169.254.10.10", "link-local"],
    ["fe80::1", "link-local"],
    ["169.254.169.254", "metadata"],
    ["::ffff:127.0.0.1", "loopback"],
    ["0.0.0.0", "unspecified"],
  ])("%s is %s", (ip, kind) => {
    expect(addressKind(ip)).toBe(kind);
  });

  it("refuses private addresses reached through a name, unless the name is listed exactly", () => {
    expect(addressRefusal("10.0.0.5", "api.example.com", false)).toBe(
      'http_request to api.example.com resolves to the private address 10.0.0.5; list "api.example.com" itself (not a wildcard) in manifest.http.allowed_hosts to allow it',
    );
    expect(addressRefusal("10.0.0.5", "intranet.example.com", true)).toBeNull();
    expect(addressRefusal("169.254.169.254", "evil.example.com", true)).toBe(
      "http_request to evil.example.com reaches the cloud metadata address 169.254.169.254, which plugins may not use",
    );
  });
});

describe("requestHop checks the address it connects to, after DNS", () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((_, res) => res.end("hello"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const limits = { timeoutMs: 2000, maxBytes: 1024 };

  it("refuses a name that resolves to loopback when private addresses are not allowed", async () => {
    await expect(requestHop({ method: "GET", url: `http://localhost:${port}/`, headers: {} }, { ...limits, allowPrivate: false })).rejects.toThrow(HopRefusedError);
    await expect(requestHop({ method: "GET", url: `http://localhost:${port}/`, headers: {} }, { ...limits, allowPrivate: false })).rejects.toThrow(/resolves to the loopback address/);
  });

  it("refuses a literal private address unless allowed", async () => {
    await expect(requestHop({ method: "GET", url: `http://127.0.0.1:${port}/`, headers: {} }, { ...limits, allowPrivate: false })).rejects.toThrow(/loopback address 127\.0\.0\.1/);
    const hop = await requestHop({ method: "GET", url: `http://127.0.0.1:${port}/`, headers: {} }, { ...limits, allowPrivate: true });
    expect(hop.status).toBe(200);
    expect(Buffer.from(hop.bytes).toString()).toBe("hello");
  });

  it("connects through the name when it is allowed to be private", async () => {
    const hop = await requestHop({ method: "GET", url: `http://localhost:${port}/`, headers: {} }, { ...limits, allowPrivate: true });
    expect(hop.status).toBe(200);
  });
});
