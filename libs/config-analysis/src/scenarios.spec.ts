/**
 * The analyzers as a table over scenario files: each `testdata/<scenario>.yaml` is a set of objects
 * analysed together (as `meshctl analyze -f` does: files only, with the default ingress gateway
 * assumed), and the table lists every message it must produce: code, resource and line. A
 * scenario produces exactly these messages, nothing more.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  analysisInputFromFiles,
  analyze,
  formatMessage,
  originOf,
  withDefaultIngressGateway,
  type Message,
} from './index';

const testdata = join(process.cwd(), 'libs', 'config-analysis', 'testdata');

function analyzeScenario(scenario: string): Message[] {
  const file = `${scenario}.yaml`;
  const input = analysisInputFromFiles([{ file, text: readFileSync(join(testdata, file), 'utf8') }]);
  expect(input.parseErrors).toEqual([]);
  return analyze(withDefaultIngressGateway(input));
}

type Row = readonly [code: string, resource: string, line: number];

// prettier-ignore
const scenarios: Record<string, readonly Row[]> = {
  'gateway-not-found': [
    ['IST0101', 'VirtualService default/httpbin',       25], // gateways[0]: httpbin-gateway-bogus
  ],
  'subset-not-found': [
    ['IST0101', 'VirtualService default/reviews',       17], // route[1].destination.subset: v9
  ],
  'host-not-found': [
    ['IST0101', 'VirtualService shop/ratings',          17], // host: ratingz
    ['IST0101', 'VirtualService shop/ratings',          19], // mirror host: shadow
    ['IST0101', 'VirtualService shop/ratings',          24], // port 9090 not on ratings
  ],
  'namespace-not-injected': [
    ['IST0102', 'Namespace plain',                       6],
  ],
  'gateway-workload': [
    ['IST0101', 'Gateway edge/internal',                80], // selector istio=internal-gateway
    ['IST0104', 'Gateway edge/public',                  58], // port 8004
  ],
  'schema-errors': [
    ['IST0101', 'VirtualService default/frontend',      26], // the invalid gateway is left out
    ['IST0106', 'DestinationRule default/<unnamed>',    34], // no metadata.name
    ['IST0106', 'Gateway default/broken',               12], // port 70000
  ],
  'mesh-host-conflict': [
    ['IST0109', 'VirtualService team-1/productpage',    10],
    ['IST0109', 'VirtualService team-2/custom',         23],
  ],
  'mtls-conflict': [
    ['IST0113', 'DestinationRule legacy/billing',       57], // ISTIO_MUTUAL vs workload DISABLE
    ['IST0113', 'DestinationRule pay/payments',         160], // subset v1 DISABLE vs namespace STRICT
    ['IST0113', 'DestinationRule prod/ledger-plaintext', 22], // DISABLE vs namespace STRICT
  ],
  'port-names': [
    ['IST0150', 'Service default/legacy-db',            42],
    ['IST0118', 'Service default/cache',                32],
    ['IST0118', 'Service default/frontend',             12],
  ],
  'ca-certificates': [
    ['IST0128', 'DestinationRule prod/db-tls',          12],
    ['IST0129', 'DestinationRule prod/db-tls',          17],
  ],
  'unreachable-rules': [
    ['IST0130', 'VirtualService default/reviews',       19], // http #1: its only match repeats rule "v2-users"
    ['IST0130', 'VirtualService default/reviews',       29], // http #3: after the catch-all #2
    ['IST0131', 'VirtualService default/reviews',       20], // http #1 match #0
    ['IST0131', 'VirtualService default/reviews',       42], // tcp #1 match #0
  ],
  'host-not-in-gateway': [
    ['IST0132', 'VirtualService default/bookinfo',      31],
  ],
  'conflicting-gateways': [
    ['IST0145', 'Gateway default/alpha',                11],
    ['IST0145', 'Gateway default/beta',                 26],
  ],
  'subset-no-pods': [
    ['IST0173', 'DestinationRule default/reviews',      13], // subset v4
    ['IST0174', 'DestinationRule default/ratings',      22], // host reveiws
  ],
  delegation: [
    ['IST0101', 'VirtualService cart/cart-routes',      58], // host: cart-items, in the delegate's namespace
  ],
  clean: [],
};

describe('analyzer scenarios (testdata/<scenario>.yaml)', () => {
  it.each(Object.entries(scenarios))('%s', (scenario, expected) => {
    const messages = analyzeScenario(scenario);
    const found = messages.map((m) => [m.code, originOf(m), m.source?.line]);
    expect(found).toEqual(expected.map(([code, resource, line]) => [code, resource, line]));
    for (const message of messages) expect(message.source?.file).toBe(`${scenario}.yaml`);
  });
});

describe('message texts', () => {
  const lines = (scenario: string): string[] => analyzeScenario(scenario).map(formatMessage);

  it('IST0101 for a subset names host+subset, as istioctl analyze prints it', () => {
    expect(lines('subset-not-found')).toEqual([
      'Error [IST0101] (VirtualService default/reviews subset-not-found.yaml:17) Referenced host+subset in destinationrule not found: "reviews+v9"',
    ]);
  });

  it('IST0101 for hosts, mirrors and ports', () => {
    expect(lines('host-not-found')).toEqual([
      'Error [IST0101] (VirtualService shop/ratings host-not-found.yaml:17) Referenced host not found: "ratingz"',
      'Error [IST0101] (VirtualService shop/ratings host-not-found.yaml:19) Referenced mirror host not found: "shadow"',
      'Error [IST0101] (VirtualService shop/ratings host-not-found.yaml:24) Referenced host:port not found: "ratings:9090"',
    ]);
  });

  it('IST0104 and the selector form of IST0101', () => {
    expect(lines('gateway-workload')).toEqual([
      'Error [IST0101] (Gateway edge/internal gateway-workload.yaml:80) Referenced selector not found: "istio=internal-gateway"',
      'Warning [IST0104] (Gateway edge/public gateway-workload.yaml:58) The gateway refers to a port that is not exposed on the workload (pod selector istio=ingressgateway; port 8004)',
    ]);
  });

  it('IST0106 names the field and what is wrong', () => {
    expect(lines('schema-errors').slice(1)).toEqual([
      'Error [IST0106] (DestinationRule default/<unnamed> schema-errors.yaml:34) Schema validation error: metadata.name is required',
      'Error [IST0106] (Gateway default/broken schema-errors.yaml:12) Schema validation error: spec.servers[0].port.number: port number must be between 1 and 65535 (got 70000)',
    ]);
  });

  it('IST0109 lists every VirtualService claiming the host', () => {
    expect(lines('mesh-host-conflict')[0]).toBe(
      'Error [IST0109] (VirtualService team-1/productpage mesh-host-conflict.yaml:10) The VirtualServices team-1/productpage,team-2/custom associated with mesh gateway define the same host productpage.default.svc.cluster.local which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.',
    );
  });

  it('IST0113 names the rule, the policy and both modes', () => {
    expect(lines('mtls-conflict')).toEqual([
      'Error [IST0113] (DestinationRule legacy/billing mtls-conflict.yaml:57) A DestinationRule and Policy are in conflict with regards to mTLS for host billing.legacy.svc.cluster.local. The DestinationRule "legacy/billing" specifies that mTLS must be true but the Policy object "legacy/billing-plaintext" specifies DISABLE.',
      'Error [IST0113] (DestinationRule pay/payments mtls-conflict.yaml:160) A DestinationRule and Policy are in conflict with regards to mTLS for host payments.pay.svc.cluster.local. The DestinationRule "pay/payments" specifies that mTLS must be false but the Policy object "pay/default" specifies STRICT.',
      'Error [IST0113] (DestinationRule prod/ledger-plaintext mtls-conflict.yaml:22) A DestinationRule and Policy are in conflict with regards to mTLS for host ledger.prod.svc.cluster.local. The DestinationRule "prod/ledger-plaintext" specifies that mTLS must be false but the Policy object "prod/default" specifies STRICT.',
    ]);
  });

  it('IST0118 shows the port and its target', () => {
    expect(lines('port-names')[2]).toBe(
      "Info [IST0118] (Service default/frontend port-names.yaml:12) Port name web (port: 80, targetPort: 8080) doesn't follow the naming convention of Istio port.",
    );
  });

  it('IST0128 and IST0129', () => {
    expect(lines('ca-certificates')).toEqual([
      'Warning [IST0128] (DestinationRule prod/db-tls ca-certificates.yaml:12) DestinationRule prod/db-tls in namespace prod has TLS mode set to SIMPLE but no caCertificates are set to validate server identity for host: mydbserver.prod.svc.cluster.local',
      'Warning [IST0129] (DestinationRule prod/db-tls ca-certificates.yaml:17) DestinationRule prod/db-tls in namespace prod has TLS mode set to MUTUAL but no caCertificates are set to validate server identity for host: mydbserver.prod.svc.cluster.local at port number:443',
    ]);
  });

  it('IST0130 and IST0131 name rules as Istio does', () => {
    expect(lines('unreachable-rules')).toEqual([
      'Warning [IST0130] (VirtualService default/reviews unreachable-rules.yaml:19) VirtualService rule #1 not used (all matches used by prior rules).',
      'Warning [IST0130] (VirtualService default/reviews unreachable-rules.yaml:29) VirtualService rule #3 not used (route without matches defined before).',
      'Info [IST0131] (VirtualService default/reviews unreachable-rules.yaml:20) VirtualService rule #1 match #0 is not used (duplicate/overlapping match in rule "v2-users").',
      'Info [IST0131] (VirtualService default/reviews unreachable-rules.yaml:42) VirtualService rule #1 match #0 is not used (duplicate/overlapping match in rule #0).',
    ]);
  });

  it('IST0132 lists the hosts no gateway serves', () => {
    expect(lines('host-not-in-gateway')).toEqual([
      'Warning [IST0132] (VirtualService default/bookinfo host-not-in-gateway.yaml:31) one or more host [wrong.example.org shop.example.com] defined in VirtualService default/bookinfo not found in Gateway istio-system/bookinfo-gateway.',
    ]);
  });

  it('IST0145 as in Istio’s documentation', () => {
    expect(lines('conflicting-gateways')[0]).toBe(
      'Error [IST0145] (Gateway default/alpha conflicting-gateways.yaml:11) Conflict with gateways default/beta (workload selector istio=ingressgateway, port 8080, hosts foo.example.com).',
    );
  });

  it('IST0173 and IST0174', () => {
    expect(lines('subset-no-pods')).toEqual([
      'Error [IST0173] (DestinationRule default/reviews subset-no-pods.yaml:13) The Subset v4 defined in the DestinationRule does not select any pods. Which may lead to 503 UH (NoHealthyUpstream).',
      'Warning [IST0174] (DestinationRule default/ratings subset-no-pods.yaml:22) The host reveiws defined in the DestinationRule does not match any services in the mesh.',
    ]);
  });
});
