import type { Endpoint, Locality } from '@mesh/mesh-model';
import { lbEndpointOf, groupByLocality } from './lb-endpoints';
import { applyLocalityLb, localityLbSettingFor, needsLocalityWeightedLb } from './locality-lb';

function endpoint(address: string, locality: string, labels: Record<string, string> = {}, weight?: number): Endpoint {
  const [region = '', zone = '', subzone = ''] = locality.split('/');
  return {
    hostname: 'svc.internal',
    servicePortName: 'http',
    address,
    port: 80,
    labels,
    namespace: 'ns',
    locality: { region, zone, subzone },
    health: 'Healthy',
    tlsMode: 'disabled',
    ...(weight ? { weight } : {}),
  };
}

function groups(endpoints: Endpoint[]) {
  return groupByLocality(endpoints.map((e) => ({ endpoint: e, lbEndpoint: lbEndpointOf(e, false) })));
}

const here: Locality = { region: 'r1', zone: 'z1', subzone: 's1' };

function summary(result: ReturnType<typeof applyLocalityLb>) {
  return result.map((group) => ({
    at: `${group.locality?.region}/${group.locality?.zone}/${group.locality?.subZone}`,
    priority: group.priority ?? 0,
    weight: group.loadBalancingWeight,
    endpoints: (group.lbEndpoints ?? []).map((lb) => lb.endpoint?.address?.socketAddress?.address),
  }));
}

describe('which locality setting applies', () => {
  it('takes the rule over the mesh, and is off when either disables it (the rule winning)', () => {
    const meshOn = { localityLbSetting: { enabled: true } };
    const meshOff = { localityLbSetting: { enabled: false } };
    const rule = { failover: [{ from: 'r1', to: 'r2' }] };
    expect(localityLbSettingFor(meshOn, undefined)).toEqual({ enabled: true });
    expect(localityLbSettingFor(meshOn, rule)).toBe(rule);
    expect(localityLbSettingFor(meshOff, undefined)).toBeUndefined();
    expect(localityLbSettingFor(meshOff, rule)).toBe(rule);
    expect(localityLbSettingFor(meshOn, { ...rule, enabled: false })).toBeUndefined();
  });

  it('asks Envoy for locality-weighted LB only for weights, or for failover rules with outlier detection', () => {
    expect(needsLocalityWeightedLb({ distribute: [{ from: '*', to: { '*': 100 } }] }, false)).toBe(true);
    expect(needsLocalityWeightedLb({ failover: [{ from: 'r1', to: 'r2' }] }, false)).toBe(false);
    expect(needsLocalityWeightedLb({ failover: [{ from: 'r1', to: 'r2' }] }, true)).toBe(true);
    expect(needsLocalityWeightedLb({ enabled: true }, true)).toBe(false);
    expect(needsLocalityWeightedLb(undefined, true)).toBe(false);
  });
});

describe('applying it', () => {
  const endpoints = [
    endpoint('10.0.0.1', 'r1/z1/s1'),
    endpoint('10.0.0.2', 'r1/z1/s2', {}, 2),
    endpoint('10.0.0.3', 'r1/z2'),
    endpoint('10.0.0.4', 'r2/z3'),
    endpoint('10.0.0.5', 'r3/z4'),
  ];

  it('leaves everything at priority 0 with the locality weights when there is no setting', () => {
    expect(
      summary(applyLocalityLb(groups(endpoints), { locality: here, labels: {} }, undefined, true)).map((g) => [
        g.priority,
        g.weight,
      ]),
    ).toEqual([
      [0, 1],
      [0, 2],
      [0, 1],
      [0, 1],
      [0, 1],
    ]);
  });

  it('default failover: by closeness only', () => {
    const result = applyLocalityLb(groups(endpoints), { locality: here, labels: {} }, { enabled: true }, true);
    expect(summary(result).map((g) => [g.at, g.priority])).toEqual([
      ['r1/z1/s1', 0],
      ['r1/z1/s2', 1],
      ['r1/z2/', 2],
      ['r2/z3/', 3],
      ['r3/z4/', 3],
    ]);
  });

  it('failover rule: the named region before the others, priorities without gaps', () => {
    const setting = { failover: [{ from: 'r1', to: 'r3' }] };
    const result = applyLocalityLb(groups(endpoints), { locality: here, labels: {} }, setting, true);
    expect(summary(result).map((g) => [g.at, g.priority])).toEqual([
      ['r1/z1/s1', 0],
      ['r1/z1/s2', 1],
      ['r1/z2/', 2],
      ['r2/z3/', 4],
      ['r3/z4/', 3],
    ]);
  });

  it('distribute: a wildcard target shares its weight among the localities it matches, by their weights', () => {
    const setting = { distribute: [{ from: 'r1/z1/*', to: { 'r1/z1/*': 90, 'r2/*': 10 } }] };
    const result = summary(applyLocalityLb(groups(endpoints), { locality: here, labels: {} }, setting, false));
    expect(result.map((g) => [g.at, g.weight, g.endpoints.length])).toEqual([
      ['r1/z1/s1', 30, 1],
      ['r1/z1/s2', 60, 1],
      ['r1/z2/', 1, 0],
      ['r2/z3/', 10, 1],
      ['r3/z4/', 1, 0],
    ]);
  });

  it('distribute: a rule whose `from` does not match the proxy changes nothing', () => {
    const setting = { distribute: [{ from: 'r9/*', to: { 'r2/*': 100 } }] };
    const result = summary(applyLocalityLb(groups(endpoints), { locality: here, labels: {} }, setting, false));
    expect(result.every((g) => g.endpoints.length === 1)).toBe(true);
  });

  it('failoverPriority: splits a locality by labels; a `label=value` entry compares with that value', () => {
    const labelled = [
      endpoint('10.0.1.1', 'r1/z1/s1', { net: 'a', track: 'stable' }),
      endpoint('10.0.1.2', 'r1/z1/s1', { net: 'a', track: 'canary' }),
      endpoint('10.0.1.3', 'r1/z1/s1', { net: 'b', track: 'stable' }),
    ];
    const setting = { failoverPriority: ['net', 'track=stable'] };
    const result = summary(
      applyLocalityLb(groups(labelled), { locality: here, labels: { net: 'a', track: 'canary' } }, setting, true),
    );
    expect(result.map((g) => [g.priority, g.endpoints])).toEqual([
      [0, ['10.0.1.1']],
      [1, ['10.0.1.2']],
      [2, ['10.0.1.3']],
    ]);
  });

  it('does not fail over when locality LB is explicitly disabled in the setting', () => {
    const result = applyLocalityLb(groups(endpoints), { locality: here, labels: {} }, { enabled: false }, true);
    expect(result.every((group) => (group.priority ?? 0) === 0)).toBe(true);
  });
});
