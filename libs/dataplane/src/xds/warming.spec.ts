import { Warming } from './warming';

const EDS = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Warming', () => {
  it('awaits absent resources until their timer fires, then reports them missing', async () => {
    let fired = 0;
    const warming = new Warming(30, () => fired++);
    const absent = [{ typeUrl: EDS, name: 'a' }];
    expect(warming.assess(absent)).toEqual({ awaited: absent, missing: [] });
    await sleep(60);
    expect(fired).toBe(1);
    expect(warming.assess(absent)).toEqual({ awaited: [], missing: absent });
    // No longer required: forgotten; required again later: awaited again with a fresh timer.
    expect(warming.assess([])).toEqual({ awaited: [], missing: [] });
    expect(warming.assess(absent)).toEqual({ awaited: absent, missing: [] });
    warming.close();
  });

  it('stops waiting for a resource the server removed', () => {
    const warming = new Warming(10_000, () => undefined);
    const absent = [{ typeUrl: EDS, name: 'a' }];
    warming.assess(absent);
    warming.markAbsent(EDS, 'a');
    expect(warming.assess(absent)).toEqual({ awaited: [], missing: absent });
    warming.close();
  });

  it('waits forever with a zero timeout', async () => {
    let fired = 0;
    const warming = new Warming(0, () => fired++);
    warming.assess([{ typeUrl: EDS, name: 'a' }]);
    await sleep(20);
    expect(fired).toBe(0);
    expect(warming.assess([{ typeUrl: EDS, name: 'a' }]).awaited).toHaveLength(1);
  });
});
