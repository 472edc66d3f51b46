/**
 * One ADS stream at a time, reopened with backoff whenever it ends or fails. The transport knows
 * nothing of xDS: it opens a stream, hands every message to `onMessage`, and on each new stream
 * calls `onStream` with the function that writes to it.
 */
import type { ClientDuplexStream, ServiceError } from '@grpc/grpc-js';
import type { ExponentialBackoff } from './backoff';

export interface AdsTransportHandlers<Request, Response> {
  open(): ClientDuplexStream<Request, Response>;
  /** A stream was opened; `send` writes to it (and does nothing once it is gone). */
  onStream(send: (request: Request) => void): void;
  onMessage(response: Response): void;
  /** The stream is gone; the next attempt is in `retryInMs`. */
  onDisconnect(reason: string, retryInMs: number): void;
}

export class AdsTransport<Request, Response> {
  private call: ClientDuplexStream<Request, Response> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private healthy = false;

  constructor(
    private readonly handlers: AdsTransportHandlers<Request, Response>,
    private readonly backoff: ExponentialBackoff,
  ) {}

  /** True while a stream is open and has delivered at least one response. */
  get connected(): boolean {
    return this.healthy;
  }

  start(): void {
    if (this.closed || this.call || this.retryTimer) return;
    this.openStream();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const call = this.call;
    this.call = undefined;
    this.healthy = false;
    call?.cancel();
  }

  private openStream(): void {
    this.retryTimer = undefined;
    const call = this.handlers.open();
    this.call = call;
    call.on('data', (response: Response) => {
      if (this.call !== call) return;
      if (!this.healthy) {
        // A response proves the server is back: the next failure starts from the base delay.
        this.healthy = true;
        this.backoff.reset();
      }
      this.handlers.onMessage(response);
    });
    call.on('error', (error: ServiceError) => this.streamEnded(call, `stream failed: ${error.message}`));
    // A server ending the stream with status OK still leaves the client without config updates.
    call.on('end', () => this.streamEnded(call, 'stream ended by the server'));
    this.handlers.onStream((request) => {
      if (this.call === call) call.write(request);
    });
  }

  private streamEnded(call: ClientDuplexStream<Request, Response>, reason: string): void {
    if (this.call !== call || this.closed) return;
    this.call = undefined;
    this.healthy = false;
    call.cancel();
    const delay = this.backoff.nextDelayMs();
    this.retryTimer = setTimeout(() => this.openStream(), delay);
    this.handlers.onDisconnect(reason, delay);
  }
}
