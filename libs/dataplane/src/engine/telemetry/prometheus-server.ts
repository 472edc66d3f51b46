/**
 * The Prometheus scrape endpoint Istio's proxies open beside the admin port (15090,
 * `/stats/prometheus`): read-only, so unlike the admin endpoint it may listen on every address.
 */
import { createServer, type Server } from 'node:http';
import type { XdsSocketAddress } from '../../xds/model';
import { boundAddress, closeHttp, listenHttp } from '../net/http-endpoint';
import { PROMETHEUS_CONTENT_TYPE } from './prometheus-text';

export interface PrometheusOptions {
  /** Default 0.0.0.0 (Prometheus scrapes it from outside). */
  readonly address?: string;
  /** Default 15090; 0 lets the system choose. */
  readonly port?: number;
}

export const DEFAULT_PROMETHEUS_PORT = 15090;
export const PROMETHEUS_PATH = '/stats/prometheus';

export class PrometheusServer {
  private readonly server: Server;

  constructor(render: () => string) {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?', 1)[0];
      if (path !== PROMETHEUS_PATH) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=UTF-8' });
        res.end(`not found; metrics are at ${PROMETHEUS_PATH}\n`);
        return;
      }
      res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-cache, max-age=0' });
      res.end(req.method === 'HEAD' ? undefined : render());
    });
  }

  listen(options: PrometheusOptions = {}): Promise<XdsSocketAddress> {
    return listenHttp(this.server, options.address ?? '0.0.0.0', options.port ?? DEFAULT_PROMETHEUS_PORT);
  }

  get address(): XdsSocketAddress | undefined {
    return boundAddress(this.server);
  }

  close(): Promise<void> {
    return closeHttp(this.server);
  }
}
