import { SendBudget } from './send-budget';

describe('SendBudget', () => {
  it('hands out bytes while they last, then in arrival order as they come back', async () => {
    const budget = new SendBudget(100);
    expect(await budget.acquire(60)).toBe(60);
    const order: string[] = [];
    const second = budget.acquire(60).then(() => order.push('second'));
    const third = budget.acquire(10).then(() => order.push('third'));
    await Promise.resolve();
    expect(order).toEqual([]); // 40 left would fit the third, but the second came first
    expect(budget.queued).toBe(2);
    budget.release(60);
    await Promise.all([second, third]);
    expect(order).toEqual(['second', 'third']);
    expect(budget.inFlight).toBe(70);
  });

  it('lets a response larger than the budget through alone', async () => {
    const budget = new SendBudget(100);
    expect(await budget.acquire(500)).toBe(100);
    let granted = false;
    const next = budget.acquire(1).then(() => (granted = true));
    await Promise.resolve();
    expect(granted).toBe(false);
    budget.release(100);
    await next;
    expect(granted).toBe(true);
  });
});
