import { afterEach } from "vitest";

/**
 * Clean-up a test registers as it goes (close a host, remove a plugin folder), run after each
 * test in the order registered: a host is made before its plugins' folders, and closes first.
 */
export function afterEachTest(): (cleanup: () => unknown) => void {
  const pending: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of pending.splice(0)) await cleanup();
  });
  return (cleanup) => {
    pending.push(cleanup);
  };
}
