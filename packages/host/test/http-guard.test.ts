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
    ["2606:4700::1111", "public"],
    ["::ffff:8.8.8.8", "public"],
    ["64:ff9b::808:808", "public"],
    // Regression: IPv4 inside IPv6 was read only as ::ffff:a.b.c.d, so other spellings of
    // 127.0.0.1 were public. Every form the address is written in must classify the same.
    ["::ffff:7f00:1", "loopback"],
    ["[::ffff:7f00:0001]", "loopback"],
    ["0:0:0:0:0:ffff:7f00:1", "loopback"],
    ["::FFFF:127.0.0.1", "loopback"],
    ["::ffff:0:7f00:1", "loopback"],
    ["::ffff:0:127.0.0.1", "loopback"],
    ["::127.0.0.1", "loopback"],
    ["::7f00:1", "loopback"],
    ["64:ff9b::7f00:1", "loopback"],
    ["64:ff9b::127.0.0.1", "loopback"],
    ["2002:7f00:1::", "loopback"],
    ["::ffff:a00:5", "private"],
    ["::ffff:c0a8:101", "private"],
    ["64:ff9b::a9fe:a9fe", "metadata"],
    ["::ffff:a9fe:a9fe", "metadata"],
    ["::ffff:0.0.0.0", "unspecified"],
    ["0:0:0:0:0:0:0:1", "loopback"],
    ["0::1", "loopback"],
    ["0:0:0:0:0:0:0:0", "unspecified"],
    ["FD12::1", "private"],
    ["fe80::1%eth0", "link-local"],
    ["febf::1", "link-local"],
    ["fd00:ec2:0::254", "metadata"],
    ["64:ff9b:1::1", "private"],
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

  it("refuses 127.0.0.1 written as an IPv4-mapped IPv6 literal", async () => {
    for (const host of ["[::ffff:7f00:1]", "[::ffff:127.0.0.1]", "[0:0:0:0:0:ffff:7f00:0001]"]) {
      await expect(requestHop({ method: "GET", url: `http://${host}:${port}/`, headers: {} }, { ...limits, allowPrivate: false }), host).rejects.toThrow(/loopback address ::ffff:7f00:1/);
    }
  });

  it("connects through the name when it is allowed to be private", async () => {
    const hop = await requestHop({ method: "GET", url: `http://localhost:${port}/`, headers: {} }, { ...limits, allowPrivate: true });
    expect(hop.status).toBe(200);
  });
});
