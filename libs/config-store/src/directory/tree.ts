/**
 * The file side of the directory source: listing the config files of a tree with what identifies
 * their content on disk, and watching every directory of it.
 *
 * Why one non-recursive watcher per directory rather than `fs.watch(dir, { recursive: true })`:
 * on Linux, Node's recursive mode follows files by inode, and after an editor replaces a file by
 * rename it reports no event when that file is later deleted (checked with Node 24.21). Plain
 * directory watches (inotify on the directory) report every entry created, changed, renamed or
 * removed. Events are only a trigger: each one leads to a listing compared with the last one,
 * so a coalesced or missed event costs latency, not correctness.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** What changes when a file's content changes (inode too: editors and ConfigMap mounts swap files). */
export interface FileStamp {
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly size: number;
  readonly ino: number;
}

const CONFIG_FILE = /\.(ya?ml|json)$/;

/**
 * Whether a directory entry is skipped: hidden entries (editor swap and lock files like `.#a.yaml`,
 * and the `..data` folders of Kubernetes ConfigMap mounts, whose files are reached through the
 * top-level symlinks instead).
 */
function isHidden(name: string): boolean {
  return name.startsWith('.');
}

/**
 * Lists the config files under `root` (relative paths with '/' separators, in any order).
 * `onDirectory` is called for each directory before its entries are read, so a watcher set up
 * there sees every file created after the listing saw the directory. Symlinks to files are
 * followed; symlinks to directories are not (they could loop). Entries that vanish while listing
 * are skipped; only a failure to read `root` itself throws.
 */
export async function listConfigFiles(
  root: string,
  onDirectory: (relativeDir: string) => void,
): Promise<Map<string, FileStamp>> {
  const files = new Map<string, FileStamp>();
  const pending: string[] = [''];
  while (pending.length > 0) {
    const relativeDir = pending.pop() as string;
    onDirectory(relativeDir);
    let entries;
    try {
      entries = await readdir(join(root, relativeDir), { withFileTypes: true });
    } catch (error) {
      if (relativeDir === '') throw error;
      continue;
    }
    const stamps: Promise<void>[] = [];
    for (const entry of entries) {
      if (isHidden(entry.name)) continue;
      const relativePath = relativeDir === '' ? entry.name : `${relativeDir}/${entry.name}`;
      if (entry.isDirectory()) pending.push(relativePath);
      else if ((entry.isFile() || entry.isSymbolicLink()) && CONFIG_FILE.test(entry.name)) {
        stamps.push(
          stat(join(root, relativePath)).then(
            (s) => {
              if (s.isFile())
                files.set(relativePath, { mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, size: s.size, ino: s.ino });
            },
            () => undefined, // vanished (or a dangling symlink): not a file to read
          ),
        );
      }
    }
    await Promise.all(stamps);
  }
  return files;
}

export function sameStamp(a: FileStamp | undefined, b: FileStamp): boolean {
  return a !== undefined && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.size === b.size && a.ino === b.ino;
}

/** One watcher per directory of the tree; any event in any of them calls `onChange(path)`. */
export class DirectoryWatchers {
  private readonly watchers = new Map<string, FSWatcher>();

  constructor(
    private readonly root: string,
    private readonly onChange: (relativePath: string | undefined) => void,
  ) {}

  /** Watches a directory if it is not watched yet. */
  ensure(relativeDir: string): void {
    if (this.watchers.has(relativeDir)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(join(this.root, relativeDir), (_event, name) => {
        const file = typeof name === 'string' ? name : undefined;
        this.onChange(file === undefined ? undefined : relativeDir === '' ? file : `${relativeDir}/${file}`);
      });
    } catch {
      // Gone before we could watch it: the next listing will not see it either.
      return;
    }
    watcher.on('error', () => {
      // The directory went away (or the watch broke): forget the watcher and look again.
      this.close(relativeDir);
      this.onChange(undefined);
    });
    this.watchers.set(relativeDir, watcher);
  }

  /** Stops watching directories that are no longer in the tree. */
  retainOnly(relativeDirs: ReadonlySet<string>): void {
    for (const dir of [...this.watchers.keys()]) if (!relativeDirs.has(dir)) this.close(dir);
  }

  closeAll(): void {
    for (const dir of [...this.watchers.keys()]) this.close(dir);
  }

  private close(relativeDir: string): void {
    this.watchers.get(relativeDir)?.close();
    this.watchers.delete(relativeDir);
  }
}
