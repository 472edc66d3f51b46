import { PushQueue } from './push-queue';

/** A push that the test finishes by hand. */
interface Held {
  readonly connection: string;
  readonly item: string;
  finish(): void;
}

function heldQueue(concurrency: number) {
  const started: Held[] = [];
  let running = 0;
  let maxRunning = 0;
  const queue = new PushQueue<string, string>({
    concurrency,
    merge: (older, newer) => `${older}+${newer}`,
    run: (connection, item) =>
      new Promise<void>((resolve) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        started.push({
          connection,
          item,
          finish: () => {
            running--;
            resolve();
          },
        });
      }),
  });
  return { queue, started, maxRunning: () => maxRunning };
}

/** Lets the queue's promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('PushQueue', () => {
  it('never runs more pushes at once than its concurrency, and starts waiting ones in order', async () => {
    const { queue, started, maxRunning } = heldQueue(2);
    for (const c of ['a', 'b', 'c', 'd', 'e']) queue.enqueue(c, `${c}1`);
    await settle();
    expect(started.map((s) => s.connection)).toEqual(['a', 'b']);
    expect(queue.pending).toBe(3);

    const order: string[] = [];
    while (started.length > 0) {
      const next = started.shift()!;
      order.push(next.connection);
      next.finish();
      await settle();
    }
    await queue.whenIdle();
    expect(order).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(maxRunning()).toBe(2);
  });

  it('merges a push for a waiting connection into the waiting one, keeping its place', async () => {
    const { queue, started } = heldQueue(1);
    queue.enqueue('a', 'a1');
    queue.enqueue('b', 'b1');
    queue.enqueue('c', 'c1');
    queue.enqueue('b', 'b2');
    queue.enqueue('b', 'b3');
    await settle();
    expect(queue.pending).toBe(2);

    const order: string[] = [];
    while (started.length > 0) {
      const next = started.shift()!;
      order.push(`${next.connection}:${next.item}`);
      next.finish();
      await settle();
    }
    expect(order).toEqual(['a:a1', 'b:b1+b2+b3', 'c:c1']);
  });

  it('holds a push for a running connection and runs it once, merged, after the running one', async () => {
    const { queue, started } = heldQueue(4);
    queue.enqueue('a', 'a1');
    await settle();
    queue.enqueue('a', 'a2');
    queue.enqueue('a', 'a3');
    await settle();
    // Never two at once for one connection, even with free slots.
    expect(started).toHaveLength(1);
    expect(queue.pending).toBe(0);

    started.shift()!.finish();
    await settle();
    expect(started.map((s) => s.item)).toEqual(['a2+a3']);
    started.shift()!.finish();
    await queue.whenIdle();
    expect(started).toEqual([]);
  });

  it('drops the pushes of a removed connection', async () => {
    const { queue, started } = heldQueue(1);
    queue.enqueue('a', 'a1');
    queue.enqueue('b', 'b1');
    await settle();
    queue.enqueue('a', 'a2');
    queue.remove('a');
    queue.remove('b');
    started.shift()!.finish();
    await queue.whenIdle();
    expect(started).toEqual([]);
  });

  it('keeps going after a worker rejects', async () => {
    const ran: string[] = [];
    const queue = new PushQueue<string, string>({
      concurrency: 1,
      merge: (_older, newer) => newer,
      run: async (connection) => {
        ran.push(connection);
        if (connection === 'a') throw new Error('worker bug');
      },
    });
    queue.enqueue('a', '1');
    queue.enqueue('b', '1');
    await queue.whenIdle();
    expect(ran).toEqual(['a', 'b']);
  });

  it('rejects a concurrency below 1', () => {
    expect(() => new PushQueue({ concurrency: 0, merge: (a) => a, run: async () => undefined })).toThrow(
      'push queue concurrency must be a positive integer, got 0',
    );
  });
});
