import { FakeClock } from '@mesh/testing';
import { Debouncer, type DebouncedBatch } from './debounce';
import { pushRequest, type PushRequest } from './push-request';

function recorder() {
  const pushes: { request: PushRequest; batch: DebouncedBatch; at: number }[] = [];
  return pushes;
}

const configChange = (key: string, start: number) =>
  pushRequest({ reason: 'config', start, configsUpdated: new Set([key]) });
const endpointChange = (host: string, start: number) =>
  pushRequest({ reason: 'endpoint', start, full: false, edsHosts: new Set([host]) });

describe('Debouncer', () => {
  it('fires once after `quiet` ms without events, merging what came in', () => {
    const clock = new FakeClock();
    const pushes = recorder();
    const debouncer = new Debouncer((request, batch) => void pushes.push({ request, batch, at: clock.now() }), clock);
    debouncer.enqueue(configChange('VirtualService/default/a', 0));
    clock.advance(60);
    debouncer.enqueue(configChange('VirtualService/default/b', 60));
    clock.advance(60);
    debouncer.enqueue(endpointChange('reviews', 120));
    expect(pushes).toHaveLength(0);
    clock.advance(99);
    expect(pushes).toHaveLength(0);
    clock.advance(1);
    expect(pushes).toHaveLength(1);
    const [{ request, batch, at }] = pushes;
    expect(at).toBe(220);
    expect(batch).toEqual({ events: 3, waitedMs: 220, hitMax: false });
    expect(request.full).toBe(true);
    expect([...request.configsUpdated].sort()).toEqual(['VirtualService/default/a', 'VirtualService/default/b']);
    expect([...request.edsHosts]).toEqual(['reviews']);
    expect(request.reasons).toEqual({ config: 2, endpoint: 1 });
    expect(request.start).toBe(0);
    expect(debouncer.pendingEvents()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('fires at `max` ms after the first event even while events keep coming', () => {
    const clock = new FakeClock();
    const pushes = recorder();
    const debouncer = new Debouncer((request, batch) => void pushes.push({ request, batch, at: clock.now() }), clock, {
      quietMs: 100,
      maxMs: 1000,
    });
    for (let t = 0; t < 1500; t += 50) {
      debouncer.enqueue(configChange(`VirtualService/default/v${t}`, t));
      clock.advance(50);
    }
    expect(pushes[0].at).toBe(1000);
    expect(pushes[0].batch).toMatchObject({ events: 20, waitedMs: 1000, hitMax: true });
    // The rest started a new batch at 1000, still pending.
    expect(debouncer.pendingEvents()).toBe(10);
    clock.advance(100);
    expect(pushes).toHaveLength(2);
    expect(pushes[1].batch.events).toBe(10);
  });

  it('debounces endpoint-only requests by default and lets them skip debounce when disabled', () => {
    const clock = new FakeClock();
    const debounced = recorder();
    new Debouncer((request, batch) => void debounced.push({ request, batch, at: clock.now() }), clock).enqueue(
      endpointChange('reviews', 0),
    );
    expect(debounced).toHaveLength(0);
    clock.advance(100);
    expect(debounced).toHaveLength(1);

    const immediate = recorder();
    const debouncer = new Debouncer(
      (request, batch) => void immediate.push({ request, batch, at: clock.now() }),
      clock,
      {
        enableEdsDebounce: false,
      },
    );
    debouncer.enqueue(endpointChange('reviews', clock.now()));
    expect(immediate).toHaveLength(1);
    expect(immediate[0].batch).toEqual({ events: 1, waitedMs: 0, hitMax: false });
    // Full requests are still debounced.
    debouncer.enqueue(configChange('Gateway/a/b', clock.now()));
    expect(immediate).toHaveLength(1);
    clock.advance(100);
    expect(immediate).toHaveLength(2);
  });

  it('holds the next push until the running one settles', async () => {
    const clock = new FakeClock();
    const pushes = recorder();
    let finish: () => void = () => undefined;
    const debouncer = new Debouncer((request, batch) => {
      pushes.push({ request, batch, at: clock.now() });
      return new Promise<void>((resolve) => (finish = resolve));
    }, clock);
    debouncer.enqueue(configChange('VirtualService/default/a', 0));
    clock.advance(100);
    expect(pushes).toHaveLength(1);
    debouncer.enqueue(configChange('VirtualService/default/b', 100));
    clock.advance(500);
    // Quiet long enough, but the first push is still running.
    expect(pushes).toHaveLength(1);
    finish();
    await Promise.resolve();
    await Promise.resolve();
    expect(pushes).toHaveLength(2);
    expect(pushes[1]).toMatchObject({ at: 600, batch: { events: 1, waitedMs: 500 } });
  });

  it('drops everything once stopped and rejects impossible settings', () => {
    const clock = new FakeClock();
    const pushes = recorder();
    const debouncer = new Debouncer((request, batch) => void pushes.push({ request, batch, at: clock.now() }), clock);
    debouncer.enqueue(configChange('VirtualService/default/a', 0));
    debouncer.stop();
    debouncer.enqueue(configChange('VirtualService/default/b', 0));
    clock.advance(20_000);
    expect(pushes).toHaveLength(0);
    expect(() => new Debouncer(() => undefined, clock, { quietMs: 500, maxMs: 100 })).toThrow(/quietMs/);
  });
});
