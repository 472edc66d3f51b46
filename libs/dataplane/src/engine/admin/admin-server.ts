/**
 * The admin endpoint (Envoy's, on 127.0.0.1:15000 by default): `/ready`, `/config_dump`,
 * `/clusters`, `/listeners`, `/stats` (`?format=json`, `?filter=<regex>`), `/stats/prometheus`, and
 * `/quitquitquit` (POST, like Envoy's other state-changing endpoints).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { RE2 } from 're2-wasm';
import type { XdsSocketAddress } from '../../xds/model';
import { boundAddress, closeHttp, listenHttp } from '../net/http-endpoint';
import type { StatEntry } from '../stats/stats-store';
import { PROMETHEUS_CONTENT_TYPE } from '../telemetry/prometheus-text';

export interface AdminSource {
  /** `LIVE` once the first configuration is active, `PRE_INITIALIZING` before. */
  serverState(): 'LIVE' | 'PRE_INITIALIZING' | 'DRAINING';
  configDump(): unknown;
  clustersText(): string;
  listenersText(): string;
  stats(): StatEntry[];
  /** The `/stats/prometheus` body (Prometheus text format). */
  prometheus(): string;
  quit(): void;
}

export interface AdminOptions {
  /** Default 127.0.0.1: the admin API changes the proxy's state and must not be reachable from outside. */
  readonly address?: string;
  /** Default 15000; 0 lets the system choose. */
  readonly port?: number;
}

export const DEFAULT_ADMIN_PORT = 15000;

const ENDPOINTS = ['/clusters', '/config_dump', '/listeners', '/quitquitquit', '/ready', '/stats', '/stats/prometheus'];

export class AdminServer {
  private readonly server: Server;

  constructor(private readonly source: AdminSource) {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  listen(options: AdminOptions = {}): Promise<XdsSocketAddress> {
    return listenHttp(this.server, options.address ?? '127.0.0.1', options.port ?? DEFAULT_ADMIN_PORT);
  }

  get address(): XdsSocketAddress | undefined {
    return boundAddress(this.server);
  }

  close(): Promise<void> {
    return closeHttp(this.server);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://admin');
    const text = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=UTF-8', 'cache-control': 'no-cache, max-age=0' });
      res.end(body);
    };
    const json = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, max-age=0' });
      res.end(`${JSON.stringify(body, null, 2)}\n`);
    };
    switch (url.pathname) {
      case '/ready': {
        const state = this.source.serverState();
        return text(state === 'LIVE' ? 200 : 503, `${state}\n`);
      }
      case '/config_dump':
        return json(this.source.configDump());
      case '/clusters':
        return text(200, this.source.clustersText());
      case '/listeners':
        return text(200, this.source.listenersText());
      case '/stats':
        return this.stats(url, text, json);
      case '/stats/prometheus':
        res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-cache, max-age=0' });
        res.end(this.source.prometheus());
        return;
      case '/quitquitquit':
        if (req.method !== 'POST') return text(405, 'This endpoint requires POST\n');
        text(200, 'OK\n');
        res.once('finish', () => this.source.quit());
        return;
      default:
        return text(404, `invalid path. admin commands are:\n${ENDPOINTS.map((e) => `  ${e}`).join('\n')}\n`);
    }
  }

  private stats(url: URL, text: (status: number, body: string) => void, json: (body: unknown) => void): void {
    let entries = this.source.stats();
    const filter = url.searchParams.get('filter');
    if (filter) {
      let regex: RE2;
      try {
        regex = new RE2(filter, 'u');
      } catch (error) {
        return text(400, `invalid filter regex: ${error instanceof Error ? error.message : String(error)}\n`);
      }
      entries = entries.filter((e) => regex.test(e.name));
    }
    if (url.searchParams.get('format') === 'json') {
      return json({ stats: entries.map((e) => ({ name: e.name, value: e.value })) });
    }
    text(200, entries.map((e) => `${e.name}: ${e.value}\n`).join(''));
  }
}
