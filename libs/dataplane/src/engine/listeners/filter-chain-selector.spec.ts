import type { XdsFilterChainMatch } from '../../xds/model';
import { parseIp } from '../net/ip';
import { type ConnectionFacts, FilterChainSelector } from './filter-chain-selector';

const any: XdsFilterChainMatch = {
  prefixRanges: [],
  directSourcePrefixRanges: [],
  sourceType: 'any',
  sourcePrefixRanges: [],
  sourcePorts: [],
  serverNames: [],
  transportProtocol: '',
  applicationProtocols: [],
};
const m = (overrides: Partial<XdsFilterChainMatch>): XdsFilterChainMatch => ({ ...any, ...overrides });

const facts = (
  overrides: Partial<Omit<ConnectionFacts, 'destinationIp' | 'sourceIp'>> & { dst?: string; src?: string } = {},
): ConnectionFacts => ({
  destinationPort: overrides.destinationPort ?? 8080,
  destinationIp: parseIp(overrides.dst ?? '10.0.0.1'),
  serverName: overrides.serverName ?? '',
  transportProtocol: overrides.transportProtocol ?? 'raw_buffer',
  applicationProtocols: overrides.applicationProtocols ?? [],
  sourceIp: parseIp(overrides.src ?? '10.0.0.9'),
  sourcePort: overrides.sourcePort ?? 40000,
});

describe('FilterChainSelector (Envoy filter chain matching)', () => {
  it('prefers the chain with the connection’s destination port over one without a port', () => {
    const s = new FilterChainSelector(
      [
        { match: any, value: 'any' },
        { match: m({ destinationPort: 8080 }), value: '8080' },
      ],
      undefined,
    );
    expect(s.select(facts())).toBe('8080');
    expect(s.select(facts({ destinationPort: 9090 }))).toBe('any');
  });

  it('does not fall back to a less specific chain once a more specific step matched (Envoy’s rule)', () => {
    const s = new FilterChainSelector(
      [
        { match: m({ destinationPort: 8080, serverNames: ['a.example.com'] }), value: 'port+sni' },
        { match: any, value: 'catch-all' },
      ],
      'default',
    );
    // Port 8080 narrows to the first chain, whose SNI then fails: the default chain, not the catch-all.
    expect(s.select(facts({ serverName: 'b.example.com' }))).toBe('default');
    expect(s.select(facts({ serverName: 'a.example.com' }))).toBe('port+sni');
    expect(s.select(facts({ destinationPort: 1 }))).toBe('catch-all');
  });

  it('takes the longest destination prefix, then exact server names over the longest wildcard', () => {
    const s = new FilterChainSelector(
      [
        { match: m({ prefixRanges: ['10.0.0.0/8'] }), value: '/8' },
        { match: m({ prefixRanges: ['10.0.0.0/24'] }), value: '/24' },
      ],
      undefined,
    );
    expect(s.select(facts())).toBe('/24');
    expect(s.select(facts({ dst: '10.1.0.1' }))).toBe('/8');
    expect(s.select(facts({ dst: '192.168.0.1' }))).toBeUndefined();

    const names = new FilterChainSelector(
      [
        { match: m({ serverNames: ['*.com'] }), value: '*.com' },
        { match: m({ serverNames: ['*.example.com'] }), value: '*.example.com' },
        { match: m({ serverNames: ['www.example.com'] }), value: 'exact' },
        { match: any, value: 'none' },
      ],
      undefined,
    );
    expect(names.select(facts({ serverName: 'www.example.com' }))).toBe('exact');
    expect(names.select(facts({ serverName: 'api.example.com' }))).toBe('*.example.com');
    expect(names.select(facts({ serverName: 'example.com' }))).toBe('*.com');
    expect(names.select(facts({ serverName: 'example.org' }))).toBe('none');
    expect(names.select(facts())).toBe('none');
  });

  it('matches transport protocol, application protocols, source type, source prefixes and ports in turn', () => {
    const s = new FilterChainSelector(
      [
        { match: m({ transportProtocol: 'tls', applicationProtocols: ['istio', 'h2'] }), value: 'mtls' },
        { match: m({ transportProtocol: 'tls' }), value: 'tls' },
        { match: m({ transportProtocol: 'raw_buffer', sourceType: 'local' }), value: 'local' },
        {
          match: m({ transportProtocol: 'raw_buffer', sourcePrefixRanges: ['10.0.0.0/8'], sourcePorts: [40000] }),
          value: 'src',
        },
        { match: m({ transportProtocol: 'raw_buffer' }), value: 'plain' },
      ],
      undefined,
    );
    expect(s.select(facts({ transportProtocol: 'tls', applicationProtocols: ['h2'] }))).toBe('mtls');
    expect(s.select(facts({ transportProtocol: 'tls', applicationProtocols: ['http/1.1'] }))).toBe('tls');
    expect(s.select(facts({ src: '127.0.0.1' }))).toBe('local');
    expect(s.select(facts({ src: '10.0.0.1' }))).toBe('local'); // same IP as the destination
    expect(s.select(facts())).toBe('src');
    expect(s.select(facts({ sourcePort: 1 }))).toBeUndefined(); // narrowed to `src` by prefix, then the port fails
    expect(s.select(facts({ src: '192.168.1.1' }))).toBe('plain');
  });

  it('says which connection facts the chains need inspected', () => {
    expect(new FilterChainSelector([{ match: any, value: 1 }], undefined).needs).toEqual({
      serverName: false,
      transportProtocol: false,
      applicationProtocols: false,
    });
    expect(
      new FilterChainSelector([{ match: m({ applicationProtocols: ['http/1.1'] }), value: 1 }], undefined).needs
        .applicationProtocols,
    ).toBe(true);
  });
});
