import { existsSync, watch, type FSWatcher } from "node:fs";
import { basename, dirname, resolve } from "node:path";

/**
 * Watches files and folders and reports a change once things settle (debounced): a build
 * writes a module in several steps, and an editor saves a manifest through a temp file.
 *
 * Folders are watched, not the files themselves: a file replaced by rename (how builds and
 * atomic writes replace a module) keeps a watch on the old inode on Linux and goes silent. A
 * watched folder can itself be deleted and created again (a clean build's `rm -rf build`): each
 * file's folder is also watched from its parent, and every watch is set up again once a change
 * settles, so a watch never stays on a folder that is gone.
 */
export class FileWatch {
  #watchers: FSWatcher[] = [];
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  /**
   * @param files files to watch; a change to any of them (or their creation) is reported
   * @param folders folders whose entries appearing or disappearing are reported
   */
  constructor(
    private readonly files: readonly string[],
    private readonly folders: readonly string[],
    private readonly onChange: () => void,
    private readonly debounceMs: number,
  ) {
    this.#arm();
  }

  #arm(): void {
    for (const watcher of this.#watchers) watcher.close();
    this.#watchers = [];
    const byFolder = new Map<string, Set<string> | null>();
    const add = (folder: string, name: string) => {
      const names = byFolder.get(folder);
      if (names !== null) byFolder.set(folder, (names ?? new Set()).add(name));
    };
    for (const file of this.files) {
      // A file in a folder that does not exist yet (build/ before the first build): watch the
      // nearest existing ancestor for the first missing folder appearing.
      let folder = dirname(resolve(file));
      let name = basename(file);
      while (!existsSync(folder) && dirname(folder) !== folder) {
        name = basename(folder);
        folder = dirname(folder);
      }
      add(folder, name);
      // The folder's own deletion and re-creation are seen from its parent.
      if (dirname(folder) !== folder) add(dirname(folder), basename(folder));
    }
    for (const folder of this.folders) byFolder.set(resolve(folder), null);

    for (const [folder, names] of byFolder) {
      try {
        const watcher = watch(folder, { persistent: false }, (_event, filename) => {
          if (names === null || filename === null || names.has(String(filename))) this.#changed();
        });
        watcher.on("error", () => watcher.close());
        this.#watchers.push(watcher);
      } catch {
        // The folder vanished between the check and the watch; the next discovery rebuilds this.
      }
    }
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    for (const watcher of this.#watchers) watcher.close();
  }

  #changed(): void {
    if (this.#closed) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#closed) return;
      // Set up again before reporting, so a write after the report is seen.
      this.#arm();
      this.onChange();
    }, this.debounceMs);
  }
}
