/**
 * TLS termination for a filter chain with a DownstreamTlsContext. Each such chain has a TLS
 * server of its own that never listens: the listener hands it the accepted (and inspected)
 * socket, and once the handshake and the client certificate checks pass, the decrypted socket
 * goes to the chain's HTTP connection manager or TCP proxy. The certificate is looked up per
 * connection: when SDS pushes a new one, new connections get it (the server's secure context is
 * replaced) while open connections keep theirs.
 *
 * Client certificates (MUTUAL): requested when the context has a validation context; a client
 * without one is refused when `require_client_certificate` is set, a presented certificate must
 * chain to the trust bundle and pass the SAN matchers.
 */
import type { Socket } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { XdsDownstreamTls } from '../../xds/model';
import type { Counter, StatsStore } from '../stats/stats-store';
import { peerSubjectAltNames } from './san-matcher';
import type { TlsMaterial, TlsMaterialResolver } from './tls-material';

/** Envoy's `listener.<address>.ssl.*` counters. */
export class DownstreamTlsStats {
  readonly handshake: Counter;
  readonly connectionError: Counter;
  readonly noCertificate: Counter;
  readonly failVerifyNoCert: Counter;
  readonly failVerifyError: Counter;
  readonly failVerifySan: Counter;

  constructor(store: StatsStore, listenerPrefix: string) {
    const s = store.scope(`listener.${listenerPrefix}.ssl`);
    this.handshake = s.counter('handshake');
    this.connectionError = s.counter('connection_error');
    this.noCertificate = s.counter('no_certificate');
    this.failVerifyNoCert = s.counter('fail_verify_no_cert');
    this.failVerifyError = s.counter('fail_verify_error');
    this.failVerifySan = s.counter('fail_verify_san');
  }
}

export class TlsTerminator {
  private readonly server: Server;
  private materialId = 0;
  private material: TlsMaterial | undefined;
  /** Set by the listener on the first connection; the same for every connection of this chain. */
  private stats: DownstreamTlsStats | undefined;
  private handoff: ((socket: TLSSocket) => void) | undefined;

  constructor(
    private readonly config: XdsDownstreamTls,
    private readonly secrets: TlsMaterialResolver,
    /** HTTP chains: `h2` is not offered while HTTP/2 is not implemented. */
    httpOnly: boolean,
  ) {
    const alpn = config.alpnProtocols.filter((p) => !httpOnly || p !== 'h2');
    this.server = createServer({
      requestCert: config.validationContext !== undefined,
      // Checked here (see verify) to count the reason, as Envoy does.
      rejectUnauthorized: false,
      ALPNProtocols: alpn.length > 0 ? alpn : undefined,
    });
    this.server.on('secureConnection', (socket: TLSSocket) => this.onSecure(socket));
    this.server.on('tlsClientError', () => this.stats?.connectionError.inc());
  }

  /** Why this chain cannot terminate TLS with the secrets in force, if it cannot. */
  unavailableReason(): string | undefined {
    if (this.config.requireClientCertificate && !this.config.validationContext) {
      return 'require_client_certificate needs a validation context';
    }
    const resolved = this.secrets.resolve(this.config);
    return resolved.ok ? undefined : resolved.reason;
  }

  /** Starts the handshake; `handoff` gets the decrypted socket when the client passes. False when no certificate is available. */
  accept(socket: Socket, stats: DownstreamTlsStats, handoff: (socket: TLSSocket) => void): boolean {
    const resolved = this.secrets.resolve(this.config);
    if (!resolved.ok) return false;
    this.stats = stats;
    this.handoff = handoff;
    const material = resolved.material;
    if (material.id !== this.materialId) {
      // A new certificate (SDS push): new handshakes use it, established connections are left alone.
      this.server.setSecureContext({ cert: material.cert, key: material.key, ca: material.ca });
      this.materialId = material.id;
      this.material = material;
    }
    // The TLS socket takes over the raw socket's handle and first replays what the listener
    // filters put back; the raw socket must stay paused, or it would read from the handle too.
    this.server.emit('connection', socket);
    return true;
  }

  private onSecure(socket: TLSSocket): void {
    const stats = this.stats;
    socket.on('error', () => socket.destroy());
    const failure = this.verify(socket, stats);
    if (failure) {
      failure.inc();
      socket.destroy();
      return;
    }
    stats?.handshake.inc();
    this.handoff?.(socket);
  }

  /** The counter of the check the client failed, or undefined when it passed. */
  private verify(socket: TLSSocket, stats: DownstreamTlsStats | undefined): Counter | undefined {
    if (!stats || !this.config.validationContext) return undefined;
    const peer = socket.getPeerCertificate();
    const presented = peer !== null && peer !== undefined && Object.keys(peer).length > 0;
    if (!presented) {
      stats.noCertificate.inc();
      return this.config.requireClientCertificate ? stats.failVerifyNoCert : undefined;
    }
    if (!socket.authorized) return stats.failVerifyError;
    const sanCheck = this.material?.sanCheck;
    if (sanCheck && !sanCheck(peerSubjectAltNames(peer))) return stats.failVerifySan;
    return undefined;
  }
}
