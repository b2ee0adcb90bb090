import { execFile } from "node:child_process";
import { promisify } from "node:util";

const exec = promisify(execFile);

/** The built `gk`, spawned as a user runs it. */
export const gk = new URL("../dist/cli.js", import.meta.url).pathname;
export const repo = new URL("../../../", import.meta.url).pathname;
export const kitchenSink = new URL("../../../fixtures/as-kitchen-sink", import.meta.url).pathname;

export async function run(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec("node", ["--no-warnings", gk, ...args], { cwd, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
