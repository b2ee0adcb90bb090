import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kitchenSink, run, startUntil } from "./support.js";

describe("gk start's pages", () => {
  let dir: string;
  const token = "pages-test-token";
  const auth = { headers: { authorization: `Bearer ${token}` } };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "goatkit-start-pages-"));
    await mkdir(join(dir, "templates"));
    await writeFile(join(dir, "templates", "queue.html"), "<h1>Queue of {{ user.login }}</h1>\n");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("without the stats and faq plugins, neither lists nor serves the demo agent page", async () => {
    const started = await startUntil([kitchenSink, "--token", token], /Press Ctrl-C|gk: /);
    try {
      expect(started.out).toContain("kitchen-sink: registered (not loaded; loads on first use)");
      expect(started.out).not.toContain("/agent");
      const res = await fetch(`${started.url}/agent`, auth);
      expect(res.status).toBe(404);
    } finally {
      started.stop();
    }
  });

  it("serves and lists the pages of --templates folders named by --page", async () => {
    const started = await startUntil([kitchenSink, "--token", token, "--templates", join(dir, "templates"), "--page", "/queue=queue.html"], /Press Ctrl-C|gk: /);
    try {
      expect(started.out).toContain(`page       ${started.url}/queue#token=${token}   (queue.html)`);
      const res = await fetch(`${started.url}/queue`, auth);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("<h1>Queue of admin</h1>");
    } finally {
      started.stop();
    }
  });

  it("refuses a --page whose template is in no --templates folder, naming the fix", async () => {
    const res = await run(["start", kitchenSink, "--port", "0", "--templates", join(dir, "templates"), "--page", "/inbox=inbox.html"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(`gk: --page /inbox=inbox.html: no inbox.html in ${join(dir, "templates")}; fix the template's name or add the folder that holds it with --templates\n`);
  });
});
