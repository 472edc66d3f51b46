/**
 * A router's listeners: one real (bound) listener `<bind>_<port>` per Gateway server port.
 *
 * - HTTP servers of a port share one HTTP connection manager routing by RDS `http.<port>`.
 * - An HTTPS server terminating TLS gets its own filter chain, matched by SNI (its hosts; no SNI
 *   match for `*`), with its certificate from SDS (`kubernetes://<credentialName>`, the client CA
 *   from `kubernetes://<credentialName>-cacert` for MUTUAL), routing by its own RDS
 *   `https.<port>.<portName>.<gateway>.<namespace>`.
 * - A TLS PASSTHROUGH server gets a chain per SNI match of the VirtualService tls routes bound to
 *   it (the SNI names it shares with the server), proxying the still-encrypted stream.
 * - A TLS server terminating TLS, and a TCP server, proxy to the first VirtualService tcp route
 *   bound to them.
 *
 * A port whose servers produce no chain gets no listener (Envoy rejects a listener without one).
 */
import { narrowerHost, type MeshConfig, type ServerTLSSettings, type TLSProtocolVersion } from '@mesh/config-model';
import type { Proxy, PushContext, VirtualServiceConfig } from '@mesh/mesh-model';
import { TrafficDirection } from '@mesh/xds/generated/envoy/config/core/v3/base';
import type { Listener } from '@mesh/xds/generated/envoy/config/listener/v3/listener';
import { TlsParameters_TlsProtocol } from '@mesh/xds/generated/envoy/extensions/transport_sockets/tls/v3/common';
import type {
  CommonTlsContext,
  DownstreamTlsContext,
} from '@mesh/xds/generated/envoy/extensions/transport_sockets/tls/v3/tls';
import { gatewayServersFor, type GatewayPort, type GatewayServer } from '../common/gateway-servers';
import {
  credentialCaSdsSecret,
  credentialSdsSecret,
  SDS_DEFAULT_RESOURCE,
  SDS_ROOT_RESOURCE,
  workloadSdsSecret,
} from '../common/sds';
import { exactMatchers } from '../common/string-match';
import { listenerName } from '../naming';
import {
  inspectorsFor,
  listenerFiltersFor,
  sameMatch,
  socketAddress,
  toFilterChain,
  type ChainOption,
} from './filter-chains';
import { httpConnectionManagerFilter } from './http-connection-manager';
import { downstreamTlsTransportSocket, SERVER_HTTP_ALPNS, SERVER_TCP_ALPNS } from './inbound-mtls';
import { tcpProxyForRoute } from './network-filters';

const TLS_VERSIONS: Readonly<Record<TLSProtocolVersion, TlsParameters_TlsProtocol>> = {
  TLS_AUTO: TlsParameters_TlsProtocol.TLS_AUTO,
  TLSV1_0: TlsParameters_TlsProtocol.TLSv1_0,
  TLSV1_1: TlsParameters_TlsProtocol.TLSv1_1,
  TLSV1_2: TlsParameters_TlsProtocol.TLSv1_2,
  TLSV1_3: TlsParameters_TlsProtocol.TLSv1_3,
};

/** Istio's agent serves certificates mounted in the gateway pod over SDS under these names. */
function fileCertificateResource(tls: ServerTLSSettings): string {
  return `file-cert:${tls.serverCertificate ?? ''}~${tls.privateKey ?? ''}`;
}

function tlsParameters(tls: ServerTLSSettings, common: CommonTlsContext): void {
  const min =
    tls.minProtocolVersion && tls.minProtocolVersion !== 'TLS_AUTO' ? TLS_VERSIONS[tls.minProtocolVersion] : undefined;
  const max =
    tls.maxProtocolVersion && tls.maxProtocolVersion !== 'TLS_AUTO' ? TLS_VERSIONS[tls.maxProtocolVersion] : undefined;
  if (min === undefined && max === undefined && !tls.cipherSuites?.length) return;
  common.tlsParams = {
    ...(min !== undefined ? { tlsMinimumProtocolVersion: min } : {}),
    ...(max !== undefined ? { tlsMaximumProtocolVersion: max } : {}),
    ...(tls.cipherSuites?.length ? { cipherSuites: [...tls.cipherSuites] } : {}),
  };
}

/** The server's TLS: certificates from SDS, the client CA for MUTUAL, ALPN for what the chain speaks. */
export function gatewayTlsContext(tls: ServerTLSSettings, tcp: boolean): DownstreamTlsContext {
  const mode = tls.mode ?? 'SIMPLE';
  const mutual = mode === 'MUTUAL' || mode === 'ISTIO_MUTUAL';
  const common: CommonTlsContext = {
    alpnProtocols: [...(tcp && mode === 'ISTIO_MUTUAL' ? SERVER_TCP_ALPNS : SERVER_HTTP_ALPNS)],
  };
  const sans = exactMatchers(tls.subjectAltNames ?? []);
  if (mode === 'ISTIO_MUTUAL') {
    common.tlsCertificateSdsSecretConfigs = [workloadSdsSecret(SDS_DEFAULT_RESOURCE)];
    common.combinedValidationContext = {
      defaultValidationContext: sans.length > 0 ? { matchSubjectAltNames: sans } : {},
      validationContextSdsSecretConfig: workloadSdsSecret(SDS_ROOT_RESOURCE),
    };
  } else if (tls.credentialName || tls.credentialNames?.length) {
    const names = tls.credentialNames?.length ? tls.credentialNames : [tls.credentialName!];
    common.tlsCertificateSdsSecretConfigs = names.map(credentialSdsSecret);
    if (mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL') {
      common.combinedValidationContext = {
        defaultValidationContext: {
          ...(sans.length > 0 ? { matchSubjectAltNames: sans } : {}),
          ...(tls.verifyCertificateSpki?.length ? { verifyCertificateSpki: [...tls.verifyCertificateSpki] } : {}),
          ...(tls.verifyCertificateHash?.length ? { verifyCertificateHash: [...tls.verifyCertificateHash] } : {}),
        },
        // With several credentials, the first one's CA verifies clients (one CA only, as in Istio).
        validationContextSdsSecretConfig: credentialCaSdsSecret(names[0]),
      };
    } else if (sans.length > 0) {
      common.validationContext = { matchSubjectAltNames: sans };
    }
  } else {
    common.tlsCertificateSdsSecretConfigs = [workloadSdsSecret(fileCertificateResource(tls))];
    if (mutual || mode === 'OPTIONAL_MUTUAL') {
      common.combinedValidationContext = {
        defaultValidationContext: sans.length > 0 ? { matchSubjectAltNames: sans } : {},
        validationContextSdsSecretConfig: workloadSdsSecret(`file-root:${tls.caCertificates ?? ''}`),
      };
    }
  }
  if (mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL') tlsParameters(tls, common);
  return { commonTlsContext: common, requireClientCertificate: mutual };
}

function serverSni(server: GatewayServer): readonly string[] {
  return server.sniHosts;
}

/** HTTPS with TLS terminated here: the server's own connection manager behind its certificate. */
function httpsChain(server: GatewayServer, mesh: MeshConfig): ChainOption {
  const context = gatewayTlsContext(server.server.tls!, false);
  return {
    sniHosts: serverSni(server),
    transportSocket: downstreamTlsTransportSocket(context),
    needsTlsInspector: true,
    filters: (name) => [
      httpConnectionManagerFilter({
        kind: 'gateway',
        statPrefix: server.server.name || `outbound_${name}`,
        rds: server.routeName!,
        mesh,
      }),
    ],
  };
}

function lookup(push: PushContext, proxy: Proxy, vs: VirtualServiceConfig) {
  return (hostname: string) => push.service(hostname, vs.namespace) ?? push.serviceFor(proxy, hostname);
}

function gatewaysApply(gateways: readonly string[] | undefined, gateway: string): boolean {
  return !gateways || gateways.length === 0 || gateways.includes(gateway);
}

/** Passthrough: one chain per SNI set of the tls routes, SNI names narrowed to the server's hosts. */
function passthroughChains(
  push: PushContext,
  proxy: Proxy,
  server: GatewayServer,
  port: number,
  claimed: Set<string>,
): ChainOption[] {
  const out: ChainOption[] = [];
  for (const vs of push.virtualServicesFor(proxy, [server.gatewayName])) {
    for (const route of vs.spec.tls ?? []) {
      for (const match of route.match ?? []) {
        if (!gatewaysApply(match.gateways, server.gatewayName)) continue;
        if (match.port !== undefined && match.port !== 0 && match.port !== port) continue;
        const sni = new Set<string>();
        for (const name of match.sniHosts) {
          for (const serverHost of server.hosts) {
            if (serverHost.namespace !== '*' && serverHost.namespace !== vs.namespace) continue;
            const shared = narrowerHost(name, serverHost.host);
            if (shared !== undefined) sni.add(shared.toLowerCase());
          }
        }
        // An SNI name already routed on this port keeps its first route (Envoy allows one chain per name).
        const fresh = [...sni].filter((name) => !claimed.has(name));
        if (fresh.length === 0) continue;
        for (const name of fresh) claimed.add(name);
        out.push({
          sniHosts: fresh,
          filters: [tcpProxyForRoute(route.route ?? [], vs, port, lookup(push, proxy, vs), push.mesh)],
        });
      }
    }
  }
  return out;
}

/** TCP (and TLS terminated as TCP): the first tcp route bound to the server. */
function tcpRouteChain(push: PushContext, proxy: Proxy, server: GatewayServer, port: number): ChainOption | undefined {
  for (const vs of push.virtualServicesFor(proxy, [server.gatewayName])) {
    const hostsShared = (vs.spec.hosts ?? []).some((host) =>
      server.hosts.some(
        (sh) => (sh.namespace === '*' || sh.namespace === vs.namespace) && narrowerHost(host, sh.host) !== undefined,
      ),
    );
    if (!hostsShared) continue;
    for (const route of vs.spec.tcp ?? []) {
      const applies =
        !route.match?.length ||
        route.match.some(
          (m) =>
            gatewaysApply(m.gateways, server.gatewayName) && (m.port === undefined || m.port === 0 || m.port === port),
        );
      if (!applies) continue;
      const filter = tcpProxyForRoute(route.route ?? [], vs, port, lookup(push, proxy, vs), push.mesh);
      if (!server.terminatesTls) return { filters: [filter] };
      return {
        sniHosts: server.sniHosts,
        transportSocket: downstreamTlsTransportSocket(gatewayTlsContext(server.server.tls!, true)),
        needsTlsInspector: true,
        filters: [filter],
      };
    }
  }
  return undefined;
}

function chainOptionsFor(push: PushContext, proxy: Proxy, port: GatewayPort): ChainOption[] {
  if (port.kind === 'http') {
    const routeName = port.servers[0].routeName!;
    return [
      {
        filters: (name) => [
          httpConnectionManagerFilter({
            kind: 'gateway',
            statPrefix: `outbound_${name}`,
            rds: routeName,
            mesh: push.mesh,
          }),
        ],
      },
    ];
  }
  const out: ChainOption[] = [];
  const claimedSni = new Set<string>();
  for (const server of port.servers) {
    if (server.protocol === 'HTTPS' && server.terminatesTls) out.push(httpsChain(server, push.mesh));
    else if (server.server.tls?.mode === 'PASSTHROUGH' && !server.terminatesTls) {
      out.push(...passthroughChains(push, proxy, server, port.port, claimedSni));
    } else {
      const chain = tcpRouteChain(push, proxy, server, port.port);
      if (chain) out.push(chain);
    }
  }
  // Two servers with the same SNI names on one port: Envoy accepts one chain per match; the
  // older server keeps it.
  return out.filter((option, i) => !out.slice(0, i).some((earlier) => sameMatch(earlier, option)));
}

export function gatewayListeners(push: PushContext, proxy: Proxy): Listener[] {
  const listeners: Listener[] = [];
  for (const port of gatewayServersFor(push, proxy).ports) {
    const options = chainOptionsFor(push, proxy, port);
    if (options.length === 0) continue;
    const name = listenerName(port.bind, port.port);
    const listener: Listener = {
      name,
      address: socketAddress(port.bind, port.port),
      trafficDirection: TrafficDirection.OUTBOUND,
      filterChains: options.map((option) => toFilterChain(option, name)),
    };
    const listenerFilters = listenerFiltersFor(inspectorsFor(options));
    if (listenerFilters.length > 0) listener.listenerFilters = listenerFilters;
    listeners.push(listener);
  }
  return listeners;
}
