/**
 * What a proxyless gRPC client accepts, for listeners and route configurations: the LDS and RDS
 * the generators produce for the gRPC family go through @grpc/grpc-js-xds's own resource
 * validation (the code that decides ACK or NACK in the client), and its view of them is checked
 * (router last, RDS over ADS, routes it can use). Lives outside generators/ because the
 * translation code may not import gRPC packages.
 */
// proto-loader's entry point registers protobufjs's descriptor types, which the filter modules'
// proto loading needs (in a client, grpc-js-xds's index has loaded it first).
import '@grpc/proto-loader';
import { setup as setupFaultFilter } from '@grpc/grpc-js-xds/build/src/http-filter/fault-injection-filter';
import { setup as setupRouterFilter } from '@grpc/grpc-js-xds/build/src/http-filter/router-filter';
import { ListenerResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/listener-resource-type';
import { RouteConfigurationResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/route-config-resource-type';
import { packAny, TypeUrl } from '@mesh/xds';
import { Listener } from '@mesh/xds/generated/envoy/config/listener/v3/listener';
import { RouteConfiguration } from '@mesh/xds/generated/envoy/config/route/v3/route';
import { HttpConnectionManager } from '@mesh/xds/generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager';
import { faultHttpFilter, routerHttpFilter } from '../generators/common/well-known';
import { generateConfig } from '../generators/testing/generate';
import { LISTENER_SCENARIOS, scenarioPush } from '../generators/testing/listener-scenarios';

interface Decoded {
  readonly name: string;
  readonly error?: string;
  readonly value?: Record<string, unknown>;
}

// The HTTP filters a gRPC client knows are registered when it starts (grpc-js-xds `register()`).
setupRouterFilter();
setupFaultFilter();

type DecodeContext = Parameters<ListenerResourceType['decode']>[0];
const context = { bootstrap: {}, server: undefined } as unknown as DecodeContext;

function decodeWith(
  type: { decode(context: DecodeContext, resource: unknown): unknown },
  typeUrl: string,
  value: Buffer,
): Decoded {
  return type.decode(context, { type_url: typeUrl, value }) as Decoded;
}

const grpcScenarios = LISTENER_SCENARIOS.filter((scenario) => scenario.proxy().generator === 'grpc');

describe.each(grpcScenarios.map((s) => [s.name, s] as const))('%s', (_name, scenario) => {
  it('sends listeners and route configurations grpc-js-xds accepts', async () => {
    const { push } = scenarioPush(scenario);
    const config = await generateConfig(push, scenario.proxy(), scenario.grpcListeners);
    expect(config.listeners.length).toBeGreaterThan(0);
    expect(config.routes.length).toBeGreaterThan(0);
    for (const { name, resource } of config.listeners) {
      const decoded = decodeWith(ListenerResourceType.get(), resource.typeUrl!, resource.value!);
      expect({ name: decoded.name, error: decoded.error }).toEqual({ name, error: undefined });
    }
    for (const { name, resource } of config.routes) {
      const decoded = decodeWith(RouteConfigurationResourceType.get(), resource.typeUrl!, resource.value!);
      expect({ name: decoded.name, error: decoded.error }).toEqual({ name, error: undefined });
    }
  });

  it('is read back as meant: an API listener fetching its route by RDS, routes gRPC can run', async () => {
    const { push } = scenarioPush(scenario);
    const config = await generateConfig(push, scenario.proxy(), scenario.grpcListeners);
    const listener = decodeWith(
      ListenerResourceType.get(),
      config.listeners[0].resource.typeUrl!,
      config.listeners[0].resource.value!,
    );
    expect(listener.value).toMatchObject({
      api_listener: { api_listener: { type_url: expect.stringContaining('HttpConnectionManager') } },
    });
    const route = decodeWith(
      RouteConfigurationResourceType.get(),
      config.routes[0].resource.typeUrl!,
      config.routes[0].resource.value!,
    );
    const routes = (route.value?.virtual_hosts as { routes: { action: string }[] }[])[0].routes;
    expect(routes.length).toBeGreaterThan(0);
    expect(routes.every((r) => r.action === 'route')).toBe(true);
  });
});

describe('the validation is real', () => {
  it('rejects a route configuration gRPC cannot run (a redirect action)', () => {
    const config = RouteConfiguration.encode({
      name: 'r',
      virtualHosts: [
        { name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, redirect: { pathRedirect: '/x' } }] },
      ],
    }).finish();
    const decoded = decodeWith(RouteConfigurationResourceType.get(), TypeUrl.RouteConfiguration, Buffer.from(config));
    expect(decoded.error).toMatch(/unsupported action: redirect/);
  });

  it('rejects an API listener whose router filter is not last', () => {
    const hcm = packAny(HttpConnectionManager, {
      httpFilters: [routerHttpFilter(), faultHttpFilter()],
      rds: { routeConfigName: 'r', configSource: { ads: {} } },
    });
    const listener = Listener.encode({ name: 'l', apiListener: { apiListener: hcm } }).finish();
    const decoded = decodeWith(ListenerResourceType.get(), TypeUrl.Listener, Buffer.from(listener));
    expect(decoded.error).toMatch(/router filter is before the end of the list/);
  });
});
