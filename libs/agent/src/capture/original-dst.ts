/**
 * The destination a captured connection was addressed to before iptables redirected it to the
 * proxy (Linux SO_ORIGINAL_DST / IP6T_SO_ORIGINAL_DST), through the N-API addon in
 * libs/agent/native/original-dst. Node has no API for it.
 *
 * The addon is loaded on first use, not on import, so code that never asks (and machines where it
 * was not built) is unaffected. It is looked for next to the running bundle first
 * (tools/build/bundle-app.ts copies it beside main.js), then in the package's node-gyp output
 * (running from sources, e.g. under Jest).
 *
 * Only erasable TypeScript here: test fixtures run this file directly with Node's type stripping.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface OriginalDestination {
  readonly address: string;
  readonly port: number;
  readonly family: 'IPv4' | 'IPv6';
}

interface OriginalDstAddon {
  originalDst(fd: number): unknown;
}

export const ORIGINAL_DST_ADDON_FILE = 'original_dst.node';

/** Where the addon may be, in the order tried, relative to this module (or the bundle it is in). */
export function originalDstAddonCandidates(moduleUrl: string = import.meta.url): string[] {
  return [
    fileURLToPath(new URL(`./${ORIGINAL_DST_ADDON_FILE}`, moduleUrl)),
    fileURLToPath(new URL(`../../native/original-dst/build/Release/${ORIGINAL_DST_ADDON_FILE}`, moduleUrl)),
  ];
}

let addon: OriginalDstAddon | undefined;

function loadAddon(): OriginalDstAddon {
  if (addon) return addon;
  const candidates = originalDstAddonCandidates();
  const path = candidates.find((candidate) => existsSync(candidate));
  if (path === undefined) {
    throw new Error(
      `original-dst addon not found (looked at ${candidates.join(', ')}); ` +
        'it is built by `npm ci` (libs/agent/native/original-dst, node-gyp), or copied next to a bundle by the build',
    );
  }
  const loaded: unknown = createRequire(import.meta.url)(path);
  if (typeof (loaded as Partial<OriginalDstAddon> | null)?.originalDst !== 'function') {
    throw new Error(`${path} is not the original-dst addon (no originalDst function)`);
  }
  addon = loaded as OriginalDstAddon;
  return addon;
}

/** The file descriptor of a connected socket (libuv's handle keeps it as `fd` on Unix). */
function socketFd(socket: Socket): number {
  const handle = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle;
  const fd = handle?.fd;
  if (typeof fd !== 'number' || fd < 0) {
    throw new Error('originalDestination: the socket has no file descriptor (closed, or not a TCP socket)');
  }
  return fd;
}

/**
 * The original destination of an accepted TCP connection that iptables redirected. Throws an Error
 * whose `code` is the errno name when the kernel has none: ENOENT when connection tracking knows
 * no such connection (it was not redirected and nothing tracks it), ENOPROTOOPT where the netfilter
 * module is missing. On a tracked connection that was not redirected, it is the local address.
 */
export function originalDestination(socket: Socket): OriginalDestination {
  return originalDestinationOfFd(socketFd(socket));
}

/** Same, for a raw socket file descriptor. */
export function originalDestinationOfFd(fd: number): OriginalDestination {
  const result = loadAddon().originalDst(fd);
  const { address, port, family } = (result ?? {}) as Record<string, unknown>;
  if (typeof address !== 'string' || typeof port !== 'number' || (family !== 'IPv4' && family !== 'IPv6')) {
    throw new Error(`original-dst addon returned an unexpected value: ${JSON.stringify(result)}`);
  }
  return { address, port, family };
}
