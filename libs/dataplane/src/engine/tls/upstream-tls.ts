/**
 * TLS origination for one upstream host: the options of `tls.connect` from the endpoint's
 * transport socket (SNI, ALPN, client certificate for MUTUAL, trust bundle and SAN check), and the
 * host's last TLS session, offered again on the next connection (session resumption) as long as
 * the material it was made with is still in force.
 */
import { type ConnectionOptions, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { XdsUpstreamTls } from '../../xds/model';
import { describeSans, peerSubjectAltNames } from './san-matcher';
import type { TlsMaterial } from './tls-material';

/** What an upstream host's connections use. */
export type UpstreamTransport =
  | { readonly kind: 'plaintext' }
  | { readonly kind: 'tls'; readonly config: XdsUpstreamTls; readonly material: TlsMaterial }
  | { readonly kind: 'unavailable'; readonly reason: string };

export const PLAINTEXT: UpstreamTransport = { kind: 'plaintext' };

/** HTTP/2 is not implemented upstream: `h2` is never offered, whatever the context lists. */
function offeredAlpn(config: XdsUpstreamTls): string[] | undefined {
  const protocols = config.alpnProtocols.filter((p) => p !== 'h2');
  return protocols.length > 0 ? protocols : undefined;
}

export class UpstreamTlsSessions {
  private session: { readonly materialId: number; readonly data: Buffer } | undefined;

  /** Connection options for a TLS connection with this transport (host/port and socket options added by the caller). */
  options(transport: Extract<UpstreamTransport, { kind: 'tls' }>): ConnectionOptions {
    const { config, material } = transport;
    const sanCheck = material.sanCheck;
    const session = this.session?.materialId === material.id ? this.session.data : undefined;
    return {
      // An empty sni sends none (Envoy's behaviour); Node would otherwise send the host name.
      servername: config.sni === '' ? undefined : config.sni,
      ALPNProtocols: offeredAlpn(config),
      secureContext: material.secureContext,
      // Without a validation context Envoy accepts any server certificate.
      rejectUnauthorized: material.ca !== undefined,
      // Envoy checks the configured SANs, never the host name against the certificate.
      checkServerIdentity: (_host: string, certificate: PeerCertificate) => {
        if (!sanCheck) return undefined;
        const sans = peerSubjectAltNames(certificate);
        return sanCheck(sans)
          ? undefined
          : Object.assign(
              new Error(`peer certificate SANs (${describeSans(sans)}) match no configured subject_alt_names`),
              {
                code: 'ERR_TLS_CERT_SAN_MISMATCH',
              },
            );
      },
      session,
    };
  }

  /** Keeps the sessions the server issues on this socket for the next connection. */
  remember(socket: TLSSocket, materialId: number): void {
    socket.on('session', (data: Buffer) => {
      this.session = { materialId, data };
    });
  }

  forget(): void {
    this.session = undefined;
  }
}
