import { existsSync, closeSync, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { originalDestination, originalDestinationOfFd, originalDstAddonCandidates } from './original-dst';

// The addon itself is built by `npm ci` (libs/agent/native/original-dst); these run it for real.
// Its success paths need a redirected connection: see capture.netns.spec.ts.

describe('originalDstAddonCandidates', () => {
  it('looks next to a bundle first (where the build copies the addon)', () => {
    expect(originalDstAddonCandidates('file:///srv/dist/apps/proxy/main.js')[0]).toBe(
      '/srv/dist/apps/proxy/original_dst.node',
    );
  });

  it("finds the package's node-gyp output when running from sources", () => {
    const fromSources = originalDstAddonCandidates()[1];
    expect(fromSources).toBe(
      fileURLToPath(new URL('../../native/original-dst/build/Release/original_dst.node', import.meta.url)),
    );
    expect(existsSync(fromSources)).toBe(true);
  });
});

describe('originalDestination errors', () => {
  it('names the errno when the descriptor is not a socket', () => {
    const fd = openSync('/dev/null', 'r');
    try {
      expect(() => originalDestinationOfFd(fd)).toThrow(
        expect.objectContaining({
          code: 'ENOTSOCK',
          syscall: 'getsockname',
          message: 'getsockname(fd): ENOTSOCK (Socket operation on non-socket)',
        }),
      );
    } finally {
      closeSync(fd);
    }
  });

  it('names EBADF for a descriptor that is not open', () => {
    const fd = openSync('/dev/null', 'r');
    closeSync(fd);
    expect(() => originalDestinationOfFd(fd)).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });

  it('refuses a socket without a descriptor', () => {
    expect(() => originalDestination(new Socket())).toThrow(
      'originalDestination: the socket has no file descriptor (closed, or not a TCP socket)',
    );
  });
});
