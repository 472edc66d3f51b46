/**
 * The tls_inspector and http_inspector listener filters: reads a connection's first bytes until
 * the detectors can answer, then puts the bytes back (`unshift`) so that whichever filter chain
 * is chosen reads the stream from its start. Gives up after the listener filter timeout: the
 * connection is then closed, or (with `continue_on_listener_filters_timeout`) goes on with what
 * is known.
 */
import type { Socket } from 'node:net';
import { detectHttp, detectTls } from './protocol-detection';

export interface InspectionPlan {
  readonly tls: boolean;
  readonly http: boolean;
  /** 0: wait forever. */
  readonly timeoutMs: number;
  readonly continueOnTimeout: boolean;
  /** The inspectors' `filter_disabled`: true for a destination port the inspector skips. */
  readonly tlsDisabled?: (port: number) => boolean;
  readonly httpDisabled?: (port: number) => boolean;
}

/** The plan for one connection after `filter_disabled`; undefined when no inspector is left to run. */
export function planForPort(plan: InspectionPlan, port: number): InspectionPlan | undefined {
  if (!plan.tlsDisabled && !plan.httpDisabled) return plan;
  const tls = plan.tls && !plan.tlsDisabled?.(port);
  const http = plan.http && !plan.httpDisabled?.(port);
  if (!tls && !http) return undefined;
  return tls === plan.tls && http === plan.http ? plan : { ...plan, tls, http };
}

export interface InspectionResult {
  readonly transportProtocol: 'tls' | 'raw_buffer';
  readonly serverName: string;
  readonly applicationProtocols: readonly string[];
}

export type InspectionOutcome =
  | { readonly ok: true; readonly result: InspectionResult }
  | { readonly ok: false; readonly reason: 'timeout' | 'closed' };

export function inspectConnection(
  socket: Socket,
  plan: InspectionPlan,
  done: (outcome: InspectionOutcome) => void,
): void {
  let buffered: Buffer = Buffer.alloc(0);
  let settled = false;

  const conclude = (final: boolean): InspectionResult | undefined => {
    let transportProtocol: InspectionResult['transportProtocol'] = 'raw_buffer';
    let serverName = '';
    let applicationProtocols: readonly string[] = [];
    if (plan.tls) {
      const tls = detectTls(buffered);
      if (tls.kind === 'more' && !final) return undefined;
      if (tls.kind === 'tls') {
        transportProtocol = 'tls';
        serverName = tls.serverName;
        applicationProtocols = tls.alpn;
      }
    }
    if (plan.http && transportProtocol === 'raw_buffer') {
      const http = detectHttp(buffered);
      if (http.kind === 'more' && !final) return undefined;
      if (http.kind === 'http') applicationProtocols = [http.protocol];
    }
    return { transportProtocol, serverName, applicationProtocols };
  };

  const settle = (outcome: InspectionOutcome) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    socket.removeListener('data', onData);
    socket.removeListener('close', onClose);
    socket.removeListener('end', onClose);
    socket.pause();
    if (buffered.length > 0) socket.unshift(buffered);
    done(outcome);
  };

  const onData = (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    const result = conclude(false);
    if (result) settle({ ok: true, result });
  };
  const onClose = () => settle({ ok: false, reason: 'closed' });
  const timer =
    plan.timeoutMs > 0
      ? setTimeout(() => {
          if (!plan.continueOnTimeout) {
            settle({ ok: false, reason: 'timeout' });
            return;
          }
          const result = conclude(true);
          if (result) settle({ ok: true, result });
        }, plan.timeoutMs)
      : undefined;

  socket.on('data', onData);
  socket.once('close', onClose);
  // A client that half-closes before the detectors could answer: its bytes cannot be put back after the end.
  socket.once('end', onClose);
}
