import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import { GoatKitError } from "../errors.js";
import type { AppEnv } from "../http/auth.js";

/** Where the page finds its assets; the file names carry a content hash. */
export const DASHBOARD_ASSETS_PATH = "/dashboard/assets/";

/** The dashboard's built files (packages/dashboard), as named by its Vite manifest. */
export interface DashboardAssets {
  /** URL paths of the page's module script, its stylesheets, and the widget frames' sizing script. */
  script: string;
  styles: string[];
  widgetScript: string;
}

interface ViteManifestEntry {
  file: string;
  css?: string[];
}

// Bundled into dist/index.js, the assets sit beside it in dist/dashboard/ (copied there by the
// host's build). Run from source (the monorepo's tests), they are the dashboard package's build.
const CANDIDATE_DIRS = [new URL("./dashboard/", import.meta.url), new URL("../../../dashboard/dist/", import.meta.url)];
const MANIFEST = "manifest.json";
const BUILD_FIX = "build the dashboard with the host: pnpm build at the repository's root (or pnpm --filter @goatkit/dashboard build, then pnpm --filter @goatkit/host build)";

let foundDir: string | undefined;
/** The installed host's assets never change while it runs: their names are read once. */
let installedAssets: DashboardAssets | undefined;

/**
 * The dashboard's assets; E_NOT_BUILT when this host was built without them. Run from source,
 * the dashboard package's manifest is read for each page, so a page after a rebuild
 * (`pnpm --filter @goatkit/dashboard dev`) names the new files.
 */
export function dashboardAssets(): DashboardAssets {
  if (installedAssets) return installedAssets;
  const dir = assetsDir();
  const assets = readAssets(dir);
  if (dir === fileURLToPath(CANDIDATE_DIRS[0]!)) installedAssets = assets;
  return assets;
}

function readAssets(dir: string): DashboardAssets {
  const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), "utf8")) as Record<string, ViteManifestEntry>;
  const entry = (source: string): ViteManifestEntry => {
    const value = manifest[source];
    if (!value) throw new GoatKitError("E_NOT_BUILT", `the dashboard's build has no ${source} in ${join(dir, MANIFEST)}; ${BUILD_FIX}`, { fix: BUILD_FIX });
    return value;
  };
  const main = entry("src/main.ts");
  return {
    script: "/dashboard/" + main.file,
    styles: (main.css ?? []).map((file) => "/dashboard/" + file),
    widgetScript: "/dashboard/" + entry("src/widget-frame/size.ts").file,
  };
}

function assetsDir(): string {
  foundDir ??= CANDIDATE_DIRS.map((url) => fileURLToPath(url)).find((candidate) => existsSync(join(candidate, MANIFEST)));
  if (!foundDir) throw new GoatKitError("E_NOT_BUILT", `the dashboard's assets are missing (no dashboard/${MANIFEST} beside @goatkit/host's dist); ${BUILD_FIX}`, { fix: BUILD_FIX });
  return foundDir;
}

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

/**
 * `GET /dashboard/assets/<file>`: the dashboard's script and styles. Their names change with
 * their content, so browsers may keep them for a year without asking again.
 */
export function dashboardAssetsApi(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get(`${DASHBOARD_ASSETS_PATH}:file`, async (c, next) => {
    const file = c.req.param("file");
    const type = CONTENT_TYPES[extname(file)];
    // Plain names only: nothing outside the assets folder is reachable.
    if (!type || !/^[\w.-]+$/.test(file) || file.startsWith(".")) return next();
    const body = await readFile(join(assetsDir(), "assets", file)).catch(() => null);
    if (!body) return next();
    return c.body(new Uint8Array(body), 200, {
      "content-type": type,
      "cache-control": "public, max-age=31536000, immutable",
      "x-content-type-options": "nosniff",
    });
  });
  return app;
}
