/**
 * Every cluster and load assignment of every scenario, decoded by protobufjs from the upstream
 * .proto files (not our generated code), Any payloads included: a resource that would make a real
 * proxy NACK for a malformed field fails here first. Two checkers: protobufjs-decode.ts (every
 * field on the wire declared, with the right wire type) and independent-decode.ts (every field
 * read the same by protobufjs and by our codec).
 */
import { messageNameOf, TypeUrl } from '@mesh/xds';
import { checkIndependentDecode } from '../testing/independent-decode';
import { decodeIndependently } from '../testing/protobufjs-decode';
import { generateClusters, generateEndpoints } from './testdata/generate';
import { SCENARIOS, scenarioPush } from './testdata/scenarios';

let decodedAssignments = 0;

describe.each(SCENARIOS.map((scenario) => scenario.name))('scenario %s', (name) => {
  const { scenario, push } = scenarioPush(name);

  it.each(scenario.proxies.map((proxy) => proxy.name))('decodes every cluster of %s', (proxyName) => {
    const { proxy, requestedClusters } = scenario.proxies.find((candidate) => candidate.name === proxyName)!;
    const resources = generateClusters(push, proxy, requestedClusters ?? []).resources;
    expect(resources.length).toBeGreaterThan(0);
    for (const { name: clusterName, resource } of resources) {
      expect(resource.typeUrl).toBe(TypeUrl.Cluster);
      const { object } = decodeIndependently(resource.typeUrl!, resource.value!);
      expect(object.name).toBe(clusterName);
      // And field by field against our own decoding (the listeners helper's checker).
      checkIndependentDecode(messageNameOf(resource.typeUrl!), resource.value!);
    }
  });

  it.each(scenario.proxies.map((proxy) => proxy.name))('decodes every load assignment of %s', (proxyName) => {
    const { proxy, requestedClusters } = scenario.proxies.find((candidate) => candidate.name === proxyName)!;
    const resources = generateEndpoints(push, proxy, requestedClusters ?? []).resources;
    decodedAssignments += resources.length;
    for (const { name: clusterName, resource } of resources) {
      expect(resource.typeUrl).toBe(TypeUrl.ClusterLoadAssignment);
      const { object } = decodeIndependently(resource.typeUrl!, resource.value!);
      expect(object.clusterName).toBe(clusterName);
      checkIndependentDecode(messageNameOf(resource.typeUrl!), resource.value!);
    }
  });
});

it('finds the Any payloads clusters carry and decodes them too', () => {
  const { scenario, push } = scenarioPush('traffic-policy');
  const seen = new Set<string>();
  for (const { proxy, requestedClusters } of scenario.proxies) {
    for (const { resource } of generateClusters(push, proxy, requestedClusters ?? []).resources) {
      for (const type of decodeIndependently(resource.typeUrl!, resource.value!).anyTypes) seen.add(type);
    }
  }
  expect([...seen].sort()).toEqual([
    'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer',
    'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
    'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
  ]);
});

it('rejects bytes that do not round-trip (the check can fail)', () => {
  // A Cluster whose field 1 (name) carries a varint instead of a string.
  expect(() => decodeIndependently(TypeUrl.Cluster, Uint8Array.from([0x08, 0x01]))).toThrow();
  // An unknown field number (999, varint) is dropped by protobufjs: the re-encoded bytes differ.
  expect(() => decodeIndependently(TypeUrl.Cluster, Uint8Array.from([0xb8, 0x3e, 0x01]))).toThrow(
    /no field number 999/,
  );
});

afterAll(() => {
  // Some proxies (an egress gateway with only DNS clusters) have no EDS clusters; the scenarios together have many.
  expect(decodedAssignments).toBeGreaterThan(40);
});
