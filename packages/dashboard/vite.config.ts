import { defineConfig } from "vite";

// Two entries, hashed: the page's script and styles, and the sizing script that runs inside each
// widget frame. The host reads dist/manifest.json to name them in the page it generates.
export default defineConfig({
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // At the top of dist, not in .vite/: packing tools may leave dot-folders out.
    manifest: "manifest.json",
    target: "es2022",
    modulePreload: false,
    rollupOptions: {
      input: { main: "src/main.ts", "widget-size": "src/widget-frame/size.ts" },
    },
  },
});
