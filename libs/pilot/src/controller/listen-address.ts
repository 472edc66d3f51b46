/**
 * Listen addresses as Istio's flags take them: `host:port`, `:port` (every interface) or
 * `[v6]:port`. Port 0 asks the OS for a free port (tests read the bound one back).
 */
import { FlagError } from '@mesh/platform';

export interface ListenAddress {
  /** `0.0.0.0` when the flag named no host. */
  readonly host: string;
  readonly port: number;
}

const ALL_INTERFACES = '0.0.0.0';

/** Reads `host:port`, `:port` or `[v6]:port`; throws a FlagError naming the flag. */
export function parseListenAddress(flag: string, text: string): ListenAddress {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  if (!match) throw new FlagError(`--${flag}: "${text}" is not host:port, :port or [ipv6]:port`);
  const port = Number(match[3]);
  if (port > 65535) throw new FlagError(`--${flag}: port ${port} is out of range (0-65535)`);
  const host = match[1] ?? (match[2] === '' ? ALL_INTERFACES : match[2]);
  return { host, port };
}

/** `host:port`, with brackets around an IPv6 host (what gRPC's bind and users expect). */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
