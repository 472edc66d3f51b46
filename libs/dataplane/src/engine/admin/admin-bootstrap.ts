/** Reads the admin address of an Envoy bootstrap (`admin.address.socket_address`). */
import type { Bootstrap } from '@mesh/xds';
import type { AdminOptions } from './admin-server';

export function adminOptionsFromBootstrap(bootstrap: Bootstrap): AdminOptions | undefined {
  const address = bootstrap.admin?.address;
  if (!address) return undefined;
  const socket = address.socketAddress;
  if (!socket) throw new Error('bootstrap admin.address: only socket_address is supported by this proxy');
  const port = socket.portValue ?? 0;
  if (port > 65535) throw new Error(`bootstrap admin.address.socket_address.port_value: ${port} is not a valid port`);
  if (!socket.address) throw new Error('bootstrap admin.address.socket_address.address: must not be empty');
  return { address: socket.address, port };
}
