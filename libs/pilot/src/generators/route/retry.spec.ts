import { defaultRetryPolicy, translateRetries } from './retry';

describe('retry policy', () => {
  it("is Istio's default when the route sets none", () => {
    expect(translateRetries(undefined, 'x')).toEqual(defaultRetryPolicy());
    expect(defaultRetryPolicy()).toEqual({
      retryOn: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
      numRetries: 2,
      hostSelectionRetryMaxAttempts: 5,
      retriableStatusCodes: [503],
    });
  });

  it('is disabled by attempts 0 or absent attempts', () => {
    expect(translateRetries({ attempts: 0 }, 'x')).toBeUndefined();
    expect(translateRetries({ perTryTimeout: '1s' }, 'x')).toBeUndefined();
  });

  it('splits status codes out of retryOn and asks for retriable-status-codes', () => {
    expect(translateRetries({ attempts: 3, retryOn: '5xx, 502,503 ,reset' }, 'x')).toMatchObject({
      numRetries: 3,
      retryOn: '5xx,reset,retriable-status-codes',
      retriableStatusCodes: [502, 503],
    });
    expect(translateRetries({ attempts: 1, retryOn: '429' }, 'x')).toMatchObject({
      retryOn: 'retriable-status-codes',
      retriableStatusCodes: [429],
    });
  });

  it('keeps conditions without codes as written, with no retriable codes', () => {
    const policy = translateRetries(
      { attempts: 4, retryOn: 'gateway-error,connect-failure', perTryTimeout: '250ms', backoff: '25ms' },
      'x',
    );
    expect(policy).toMatchObject({
      retryOn: 'gateway-error,connect-failure',
      perTryTimeout: { seconds: 0, nanos: 250_000_000 },
      retryBackOff: { baseInterval: { seconds: 0, nanos: 25_000_000 } },
    });
    expect(policy?.retriableStatusCodes).toBeUndefined();
  });
});
