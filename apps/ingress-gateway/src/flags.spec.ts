import { FlagError, parseFlags } from '@mesh/platform';
import { checkPort, discoveryAddress, gatewayFlagSpecs, parseLabels, xdsMode } from './flags';

const parse = (argv: string[]) => parseFlags(gatewayFlagSpecs(), argv).flags;

describe('gateway flags', () => {
  it('reads labels as k=v pairs, trimming spaces and skipping empty items', () => {
    expect(parseLabels('istio=ingressgateway, app = edge,,version=')).toEqual({
      istio: 'ingressgateway',
      app: 'edge',
      version: '',
    });
    expect(() => parseLabels('istio')).toThrow(new FlagError('--labels: "istio" is not key=value'));
    expect(() => parseLabels('=x')).toThrow(FlagError);
  });

  it("defaults to Istio's gateway: istio=ingressgateway, xDS on 127.0.0.1:15010, admin 15000, status 15021", () => {
    const flags = parse([]);
    expect(parseLabels(flags.labels)).toEqual({ istio: 'ingressgateway' });
    expect(discoveryAddress(flags)).toBe('127.0.0.1:15010');
    expect([flags.adminPort, flags.statusPort]).toEqual([15000, 15021]);
    expect(xdsMode(flags)).toBe('sotw');
  });

  it('takes the control plane from --discovery-address or --xds-address, not both, and checks host:port', () => {
    expect(discoveryAddress(parse(['--xds-address', 'istiod.istio-system:15010']))).toBe('istiod.istio-system:15010');
    expect(discoveryAddress(parse(['--discovery-address', '[::1]:15010']))).toBe('[::1]:15010');
    expect(() => discoveryAddress(parse(['--discovery-address', 'a:1', '--xds-address', 'a:1']))).toThrow(FlagError);
    for (const bad of ['istiod', ':15010', 'istiod:0', 'istiod:99999', 'istiod:http']) {
      expect(() => discoveryAddress(parse(['--discovery-address', bad]))).toThrow(
        `--discovery-address: "${bad}" is not host:port`,
      );
    }
  });

  it('refuses ports out of range and unknown xDS modes', () => {
    expect(checkPort('admin-port', 0)).toBe(0);
    expect(() => checkPort('admin-port', 70000)).toThrow('--admin-port: 70000 is not a port (0-65535)');
    expect(() => xdsMode(parse(['--xds-mode', 'incremental']))).toThrow(FlagError);
    expect(xdsMode(parse(['--xds-mode', 'delta']))).toBe('delta');
  });
});
