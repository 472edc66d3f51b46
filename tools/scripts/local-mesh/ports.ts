/**
 * Port choices for the local mesh. Istio's well-known ports are nicer to type, but on a developer
 * machine they may be taken (another istiod, an Envoy), so a preferred port is used when free and
 * any free port otherwise; the launcher prints what it got.
 */
import { createServer } from 'node:net';

/** True when `port` can be bound on every interface right now. */
export function portIsFree(port: number, host = '0.0.0.0'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * The port to ask a child for: the explicit choice as given (0 = any), else `preferred` when
 * free, else 0 (the child binds any free port and prints it).
 */
export async function choosePort(explicit: number | undefined, preferred: number): Promise<number> {
  if (explicit !== undefined) return explicit;
  return (await portIsFree(preferred)) ? preferred : 0;
}
