/**
 * Every listener and route configuration of every scenario, as encoded for the wire, read back by
 * protobufjs from the upstream Envoy protos (an implementation we did not generate) and compared
 * field by field with our own decoding, down through every Any (HTTP connection managers, TCP
 * proxies, TLS contexts, per-route fault and CORS configs).
 */
import { messageNameOf } from '@mesh/xds';
import { RouteConfiguration } from '@mesh/xds/generated/envoy/config/route/v3/route';
import { generateConfig } from '../testing/generate';
import { checkIndependentDecode, DecodeMismatch } from '../testing/independent-decode';
import { LISTENER_SCENARIOS, scenarioPush } from '../testing/listener-scenarios';

describe('independent decoding of generated LDS and RDS', () => {
  it.each(LISTENER_SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    const { push } = scenarioPush(scenario);
    const config = await generateConfig(push, scenario.proxy(), scenario.grpcListeners);
    const resources = [...config.listeners, ...config.routes];
    expect(resources.length).toBeGreaterThan(0);
    for (const { name, resource } of resources) {
      try {
        checkIndependentDecode(messageNameOf(resource.typeUrl ?? ''), resource.value ?? new Uint8Array());
      } catch (error) {
        throw new Error(`${name}: ${(error as Error).message}`);
      }
    }
  });

  it('fails on an Any whose type the upstream protos do not define', () => {
    const config = RouteConfiguration.encode({
      name: 'r',
      typedPerFilterConfig: { 'x.filter': { typeUrl: 'type.googleapis.com/made.up.v3.Nope', value: Buffer.alloc(0) } },
    }).finish();
    expect(() => checkIndependentDecode('envoy.config.route.v3.RouteConfiguration', config)).toThrow(DecodeMismatch);
    expect(() => checkIndependentDecode('envoy.config.route.v3.RouteConfiguration', config)).toThrow(
      /define no made\.up\.v3\.Nope/,
    );
  });

  it('fails on bytes that do not fit the upstream message', () => {
    // Field 11 of RouteConfiguration is a UInt32Value message; a varint there is malformed.
    const wrongWire = Uint8Array.from([0x0a, 0x01, 0x72, 0x58, 0x05]);
    expect(() => checkIndependentDecode('envoy.config.route.v3.RouteConfiguration', wrongWire)).toThrow();
  });
});
