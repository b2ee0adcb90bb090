import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manifest, pluginsDir, startPlatform, writePlugin, type Platform } from "./support/platform.js";
import { watPlugin } from "./support/wat-plugin.js";

/** What a trickling client saw: the server's answer (if any) and whether the server hung up. */
interface Trickle {
  answer: string;
  closedByServer: boolean;
  drippedBytes: number;
}

/**
 * A bounded local client on loopback: sends `head` at once, then one byte of `drip` every
 * `everyMs`, and gives up after `maxMs` (then the server did not cut it off).
 */
function trickle(url: string, head: string, drip: string, everyMs: number, maxMs: number): Promise<Trickle> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let answer = "";
    let drippedBytes = 0;
    let timer: NodeJS.Timeout | undefined;
    const done = (closedByServer: boolean) => {
      clearInterval(timer);
      clearTimeout(limit);
      socket.destroy();
      resolve({ answer, closedByServer, drippedBytes });
    };
    const limit = setTimeout(() => done(false), maxMs);
    socket.on("error", (error: NodeJS.ErrnoException) => (error.code === "ECONNRESET" || error.code === "EPIPE" ? done(true) : reject(error)));
    socket.on("data", (chunk) => (answer += chunk.toString("latin1")));
    socket.on("end", () => done(true));
    socket.on("connect", () => {
      socket.write(head);
      let i = 0;
      timer = setInterval(() => {
        if (socket.destroyed) return;
        socket.write(drip[i % drip.length]!);
        drippedBytes++;
        i++;
      }, everyMs);
    });
  });
}

describe("slow clients are cut off", () => {
  let platform: Platform;
  let plugins: Awaited<ReturnType<typeof pluginsDir>>;

  beforeAll(async () => {
    plugins = await pluginsDir();
    await writePlugin(plugins.dir, "echo", manifest("echo", { routes: [{ method: "POST", path: "/echo", handler: "echo" }] }), watPlugin("echo", "1.0.0", { echo: { echo: true } }));
    platform = await startPlatform({ managerOptions: { pluginsDir: plugins.dir, isolation: "in-process" }, timeouts: { headersMs: 500, requestMs: 1000 } });
  });
  afterAll(async () => {
    await platform?.close();
    await plugins?.remove();
  });

  it("a request whose headers trickle in gets 408 and is closed", async () => {
    const started = Date.now();
    const seen = await trickle(platform.url, "GET /api/health HTTP/1.1\r\nHost: localhost\r\n", "X-Slow: a\r\n", 50, 5000);
    expect(seen.closedByServer).toBe(true);
    expect(seen.answer).toMatch(/^HTTP\/1\.1 408 /);
    // Cut off near the headers time-out, long before the client would have stopped.
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it("a request whose body trickles in gets 408 and is closed", async () => {
    const started = Date.now();
    const head = "POST /api/plugins/echo/echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n";
    const seen = await trickle(platform.url, head, "x", 50, 5000);
    expect(seen.closedByServer).toBe(true);
    expect(seen.answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(seen.drippedBytes).toBeLessThan(100);
  });

  it("a prompt request on the same server is answered", async () => {
    const res = await platform.fetch("/api/plugins/echo/echo", { method: "POST", body: "hello" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ method: "POST", body: "hello" });
  });

  it("refuses time-outs that are not positive numbers, naming the option", async () => {
    await expect(startPlatform({ timeouts: { headersMs: 0 } })).rejects.toThrow(
      "startServer timeouts.headersMs must be a positive number of milliseconds, got 0; leave it out for the default (10000)",
    );
  });
});
