/**
 * Access log lines in Envoy's default format, one per request (HTTP) or connection (TCP):
 *
 *   [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE%
 *   %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%
 *   "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"
 *
 * (on one line). Missing values print as `-`. Lines go to a sink function without their newline;
 * the app decides where they go (stdout, a file).
 */

export type AccessLogSink = (line: string) => void;

/** Envoy's response flags, as the access log prints them. */
export type ResponseFlag =
  /** No route for the request. */
  | 'NR'
  /** Upstream connection failure. */
  | 'UF'
  /** No healthy upstream host. */
  | 'UH'
  /** Upstream request timeout. */
  | 'UT'
  /** Upstream connection termination (reset after connecting). */
  | 'UC'
  /** Downstream connection termination. */
  | 'DC'
  /** The route's cluster does not exist. */
  | 'NC'
  /** Idle timeout (TCP proxy). */
  | 'IT'
  /** Upstream overflow: a circuit breaker refused the request. */
  | 'UO'
  /** Upstream retry limit exceeded: the answer was worth a retry, none was left. */
  | 'URX'
  /** Delay injected by the fault filter. */
  | 'DI'
  /** Abort injected by the fault filter. */
  | 'FI';

export interface HttpLogEntry {
  readonly startTime: number;
  readonly method: string;
  /** The path as the client sent it (before any rewrite). */
  readonly path: string;
  readonly protocol: string;
  /** 0 when no response was sent. */
  readonly responseCode: number;
  readonly flags: readonly ResponseFlag[];
  readonly bytesReceived: number;
  readonly bytesSent: number;
  readonly durationMs: number;
  readonly upstreamServiceTimeMs: number | undefined;
  readonly forwardedFor: string | undefined;
  readonly userAgent: string | undefined;
  readonly requestId: string | undefined;
  readonly authority: string | undefined;
  readonly upstreamHost: string | undefined;
}

export interface TcpLogEntry {
  readonly startTime: number;
  readonly flags: readonly ResponseFlag[];
  readonly bytesReceived: number;
  readonly bytesSent: number;
  readonly durationMs: number;
  readonly upstreamHost: string | undefined;
}

export function formatHttpLogLine(e: HttpLogEntry): string {
  return (
    `[${new Date(e.startTime).toISOString()}] "${e.method} ${e.path} ${e.protocol}" ${e.responseCode} ` +
    `${flagsText(e.flags)} ${e.bytesReceived} ${e.bytesSent} ${Math.round(e.durationMs)} ` +
    `${e.upstreamServiceTimeMs === undefined ? '-' : Math.round(e.upstreamServiceTimeMs)} ` +
    `"${orDash(e.forwardedFor)}" "${orDash(e.userAgent)}" "${orDash(e.requestId)}" "${orDash(e.authority)}" ` +
    `"${orDash(e.upstreamHost)}"`
  );
}

export function formatTcpLogLine(e: TcpLogEntry): string {
  return (
    `[${new Date(e.startTime).toISOString()}] "- - -" 0 ${flagsText(e.flags)} ${e.bytesReceived} ${e.bytesSent} ` +
    `${Math.round(e.durationMs)} - "-" "-" "-" "-" "${orDash(e.upstreamHost)}"`
  );
}

function flagsText(flags: readonly ResponseFlag[]): string {
  return flags.length === 0 ? '-' : flags.join(',');
}

function orDash(value: string | undefined): string {
  return value === undefined || value === '' ? '-' : value;
}
