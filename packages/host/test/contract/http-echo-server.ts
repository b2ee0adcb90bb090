import { Worker } from "node:worker_threads";

// The server runs on its own thread: an in-process plugin's http_request blocks the main
// thread until the answer comes.
const SERVER = `
const { createServer } = require("node:http");
const { parentPort } = require("node:worker_threads");
const server = createServer((req, res) => {
  if (req.url === "/redirect-away") {
    res.writeHead(302, { location: "http://localhost:1/elsewhere" }).end();
    return;
  }
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json", "x-test": "yes" });
    res.end(JSON.stringify({ method: req.method, url: req.url, body, auth: req.headers["x-token"] ?? null }));
  });
});
server.listen(0, "127.0.0.1", () => parentPort.postMessage(server.address().port));
`;

/** An HTTP server echoing each request as JSON (and `/redirect-away` redirecting off the allowed host). */
export async function startEchoServer(): Promise<{ origin: string; stop: () => Promise<number> }> {
  const worker = new Worker(SERVER, { eval: true });
  const port = await new Promise<number>((resolve) => worker.once("message", resolve));
  return { origin: `http://127.0.0.1:${port}`, stop: () => worker.terminate() };
}
