import { formatHttpLogLine, formatTcpLogLine } from './access-log';

describe('access log lines (Envoy default format)', () => {
  it('formats an HTTP request with dashes for what is missing', () => {
    expect(
      formatHttpLogLine({
        startTime: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
        method: 'GET',
        path: '/productpage?u=1',
        protocol: 'HTTP/1.1',
        responseCode: 503,
        flags: ['UF'],
        bytesReceived: 0,
        bytesSent: 91,
        durationMs: 12.4,
        upstreamServiceTimeMs: undefined,
        forwardedFor: undefined,
        userAgent: 'curl/8.5.0',
        requestId: 'f1d6b0f2-9a7c-4c1e-9a51-3f0c7b2d5e11',
        authority: 'bookinfo.example.com',
        upstreamHost: '10.0.0.7:9080',
      }),
    ).toBe(
      '[2026-01-02T03:04:05.678Z] "GET /productpage?u=1 HTTP/1.1" 503 UF 0 91 12 - "-" "curl/8.5.0" ' +
        '"f1d6b0f2-9a7c-4c1e-9a51-3f0c7b2d5e11" "bookinfo.example.com" "10.0.0.7:9080"',
    );
  });

  it('formats a TCP connection', () => {
    expect(
      formatTcpLogLine({
        startTime: 0,
        flags: [],
        bytesReceived: 5,
        bytesSent: 7,
        durationMs: 3,
        upstreamHost: '127.0.0.1:5432',
      }),
    ).toBe('[1970-01-01T00:00:00.000Z] "- - -" 0 - 5 7 3 - "-" "-" "-" "-" "127.0.0.1:5432"');
  });
});
