import { formatIssue, type Config } from '@mesh/config-model';
import { recordEvents, testValidator } from '../testdata/helpers';
import { ConfigConflictError, MemoryConfigStore } from './memory-store';

function virtualService(name: string, spec: Record<string, unknown>, namespace = 'default'): Config {
  return {
    kind: 'VirtualService',
    group: 'networking.istio.io',
    version: 'v1',
    name,
    namespace,
    labels: {},
    annotations: {},
    resourceVersion: '',
    spec,
  };
}

const reviews80 = { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' }, weight: 80 }] }] };
const reviews90 = { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' }, weight: 90 }] }] };
const reviewsBadWeight = { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' }, weight: 900 }] }] };

describe('MemoryConfigStore', () => {
  it('serves what is written, with a new resourceVersion for every write, and tells subscribers', async () => {
    const store = new MemoryConfigStore();
    await store.ready();
    const { events, lines } = recordEvents(store);
    const created = store.create(virtualService('reviews', reviews80));
    const updated = store.update({ ...created, spec: reviews90 });
    expect(created.resourceVersion).not.toBe('');
    expect(updated.resourceVersion).not.toBe(created.resourceVersion);
    expect(store.get('VirtualService', 'default', 'reviews')).toBe(updated);
    store.delete('VirtualService', 'default', 'reviews');
    expect(lines()).toEqual([
      'add VirtualService default/reviews',
      'update VirtualService default/reviews',
      'delete VirtualService default/reviews',
    ]);
    expect(events[1]).toEqual({ type: 'update', config: updated, previous: created });
    expect(events[2].config).toBe(updated);
    expect(store.get('VirtualService', 'default', 'reviews')).toBeUndefined();
    expect(store.stats()).toEqual({ objects: {}, rejected: 0, ignored: {}, events: 3 });
  });

  it('refuses a write based on a stale resourceVersion and names the object and both versions', () => {
    const store = new MemoryConfigStore();
    const first = store.create(virtualService('reviews', reviews80));
    const second = store.update({ ...first, spec: reviews90 });
    let error: unknown;
    try {
      store.update({ ...first, spec: reviews80 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigConflictError);
    expect((error as ConfigConflictError).reason).toBe('stale-version');
    expect((error as Error).message).toBe(
      `VirtualService default/reviews was modified: you have resourceVersion ${first.resourceVersion}, the store has ${second.resourceVersion}`,
    );
    expect(() => store.delete('VirtualService', 'default', 'reviews', first.resourceVersion)).toThrow(
      ConfigConflictError,
    );
    expect(store.get('VirtualService', 'default', 'reviews')).toBe(second);
    store.delete('VirtualService', 'default', 'reviews', second.resourceVersion);
    expect(store.list('VirtualService')).toEqual([]);
  });

  it('refuses creating what exists and changing what does not', () => {
    const store = new MemoryConfigStore();
    store.create(virtualService('reviews', reviews80));
    expect(() => store.create(virtualService('reviews', reviews90))).toThrow(
      'VirtualService default/reviews already exists',
    );
    expect(() => store.update(virtualService('ratings', reviews90))).toThrow(
      'VirtualService default/ratings does not exist',
    );
    expect(() => store.delete('Gateway', 'default', 'gw')).toThrow('Gateway default/gw does not exist');
  });

  it('lists by kind, sorted by namespace then name, in one namespace or all', () => {
    const store = new MemoryConfigStore();
    for (const [ns, name] of [
      ['prod', 'b'],
      ['dev', 'z'],
      ['prod', 'a'],
    ]) {
      store.create(virtualService(name, reviews80, ns));
    }
    expect(store.list('VirtualService').map((c) => `${c.namespace}/${c.name}`)).toEqual(['dev/z', 'prod/a', 'prod/b']);
    expect(store.list('VirtualService', 'prod').map((c) => c.name)).toEqual(['a', 'b']);
    expect(store.list('DestinationRule')).toEqual([]);
    expect(store.stats().objects).toEqual({ VirtualService: 3 });
  });

  describe('with validation', () => {
    it('never shows an invalid object to subscribers and reports it', () => {
      const store = new MemoryConfigStore({ validate: testValidator });
      const { lines } = recordEvents(store);
      store.create(virtualService('reviews', reviewsBadWeight));
      expect(lines()).toEqual([]);
      expect(store.get('VirtualService', 'default', 'reviews')).toBeUndefined();
      expect(store.rejected().map(formatIssue)).toEqual([
        'VirtualService default/reviews: spec.http[0].route[0].weight: weight must be a number from 0 to 100, got 900',
      ]);
      expect(store.stats().rejected).toBe(1);
    });

    it('keeps serving the last good version while the latest is invalid, then updates from it', () => {
      const store = new MemoryConfigStore({ validate: testValidator });
      const good = store.create(virtualService('reviews', reviews80));
      const { events, lines } = recordEvents(store);

      const bad = store.update({ ...good, spec: reviewsBadWeight });
      expect(lines()).toEqual([]);
      expect(store.get('VirtualService', 'default', 'reviews')).toBe(good);
      expect(store.stats().rejected).toBe(1);

      const fixed = store.update({ ...bad, spec: reviews90 });
      expect(events).toEqual([{ type: 'update', config: fixed, previous: good }]);
      expect(store.rejected()).toEqual([]);
      expect(store.stats().rejected).toBe(0);
    });

    it('deletes the last good version when an object that is currently invalid is deleted', () => {
      const store = new MemoryConfigStore({ validate: testValidator });
      const good = store.create(virtualService('reviews', reviews80));
      store.update({ ...good, spec: reviewsBadWeight });
      const { events } = recordEvents(store);
      store.delete('VirtualService', 'default', 'reviews');
      expect(events).toEqual([{ type: 'delete', config: good }]);
      expect(store.rejected()).toEqual([]);
    });

    it('refuses an object whose validator throws, saying so', () => {
      const store = new MemoryConfigStore({
        validate: () => {
          throw new Error('boom');
        },
      });
      store.create(virtualService('reviews', reviews80));
      expect(store.list('VirtualService')).toEqual([]);
      expect(store.rejected().map(formatIssue)).toEqual([
        'VirtualService default/reviews: validation failed unexpectedly: boom',
      ]);
    });
  });

  it('keeps delivering to other subscribers when one throws, and stops after unsubscribe or close', async () => {
    const failures: string[] = [];
    const store = new MemoryConfigStore();
    // A subscriber that throws is reported through console.error by default; capture it here.
    const original = console.error;
    console.error = (...args: unknown[]) => failures.push(String(args[0]));
    try {
      store.subscribe(() => {
        throw new Error('subscriber bug');
      });
      const { lines } = recordEvents(store);
      const seen: string[] = [];
      const unsubscribe = store.subscribe((e) => seen.push(e.type));
      store.create(virtualService('a', reviews80));
      unsubscribe();
      store.create(virtualService('b', reviews80));
      await store.close();
      store.create(virtualService('c', reviews80));
      expect(lines()).toEqual(['add VirtualService default/a', 'add VirtualService default/b']);
      expect(seen).toEqual(['add']);
      expect(failures).toEqual([
        'config-store: a subscriber failed on add of VirtualService default/a:',
        'config-store: a subscriber failed on add of VirtualService default/b:',
      ]);
    } finally {
      console.error = original;
    }
  });
});
