import { pod } from '../../testdata/fixtures';
import { parseLocality, type Locality } from '../service';
import { localityOfNode, localityOfPod, workloadFromPod } from './workload';

describe('localityOfNode', () => {
  it('reads region and zone from the topology labels and subzone from topology.istio.io/subzone', () => {
    expect(
      localityOfNode({
        'topology.kubernetes.io/region': 'eu-west1',
        'topology.kubernetes.io/zone': 'eu-west1-b',
        'topology.istio.io/subzone': 'rack7',
        'kubernetes.io/hostname': 'worker-1',
      }),
    ).toEqual({ region: 'eu-west1', zone: 'eu-west1-b', subzone: 'rack7' });
  });

  it('falls back to the failure-domain.beta labels, which the GA labels win over', () => {
    const beta = {
      'failure-domain.beta.kubernetes.io/region': 'old-region',
      'failure-domain.beta.kubernetes.io/zone': 'old-zone',
    };
    expect(localityOfNode(beta)).toEqual({ region: 'old-region', zone: 'old-zone', subzone: '' });
    expect(localityOfNode({ ...beta, 'topology.kubernetes.io/zone': 'new-zone' })).toEqual({
      region: 'old-region',
      zone: 'new-zone',
      subzone: '',
    });
    // An empty GA label does not hide the beta one.
    expect(localityOfNode({ ...beta, 'topology.kubernetes.io/region': '' })?.region).toBe('old-region');
  });

  it('gives none for a node without topology labels', () => {
    expect(localityOfNode({ 'kubernetes.io/hostname': 'worker-1' })).toBeUndefined();
  });
});

describe('localityOfPod', () => {
  const nodes = new Map<string, Locality>([['worker-1', { region: 'eu-west1', zone: 'eu-west1-b', subzone: '' }]]);
  const lookup = (name: string) => nodes.get(name);
  const onWorker1 = (labels: Record<string, string>) =>
    pod('default', 'p', '10.0.0.1', labels, { nodeName: 'worker-1' });

  it('takes the locality of the node the pod runs on, not the topology labels of the pod', () => {
    expect(localityOfPod(onWorker1({ 'topology.kubernetes.io/region': 'elsewhere' }), lookup)).toEqual({
      region: 'eu-west1',
      zone: 'eu-west1-b',
      subzone: '',
    });
  });

  it('lets the pod override it: topology.istio.io/locality, else istio-locality (dots for slashes)', () => {
    expect(localityOfPod(onWorker1({ 'istio-locality': 'us.us-b.r1' }), lookup)).toEqual({
      region: 'us',
      zone: 'us-b',
      subzone: 'r1',
    });
    expect(
      localityOfPod(onWorker1({ 'istio-locality': 'us.us-b.r1', 'topology.istio.io/locality': 'ap.ap-c' }), lookup),
    ).toEqual({ region: 'ap', zone: 'ap-c', subzone: '' });
    // An empty override is no override.
    expect(localityOfPod(onWorker1({ 'istio-locality': '' }), lookup)?.region).toBe('eu-west1');
  });

  it('gives none to a pod not scheduled yet or on a node not known yet', () => {
    expect(localityOfPod(pod('default', 'p', '10.0.0.1', {}), lookup)).toBeUndefined();
    expect(localityOfPod(pod('default', 'p', '10.0.0.1', {}, { nodeName: 'worker-9' }), lookup)).toBeUndefined();
  });

  it('is the locality of a pod as a workload instance (ServiceEntry selection)', () => {
    expect(workloadFromPod(onWorker1({ app: 'a' }), lookup).workload?.locality).toEqual(nodes.get('worker-1'));
  });
});

describe('parseLocality', () => {
  it('splits on slashes, or on dots when there is no slash (label values cannot hold a slash)', () => {
    expect(parseLocality('us-east/us-east-1a/rack1')).toEqual({
      region: 'us-east',
      zone: 'us-east-1a',
      subzone: 'rack1',
    });
    expect(parseLocality('us-east.us-east-1a')).toEqual({ region: 'us-east', zone: 'us-east-1a', subzone: '' });
    expect(parseLocality('us-east/zone.a')).toEqual({ region: 'us-east', zone: 'zone.a', subzone: '' });
    expect(parseLocality('')).toBeUndefined();
  });
});
