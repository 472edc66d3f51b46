/**
 * What the engine's integration tests share: a StubControlPlane serving hand-built resources, a
 * real XdsClient feeding a real ProxyEngine, upstream HTTP servers on 127.0.0.1 that describe the
 * requests they receive, and an HTTP client. Everything binds port 0.
 */
import {
  type Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Cluster, ClusterLoadAssignment, Listener, RouteConfiguration, Secret, TypeUrl } from '@mesh/xds';
import { StubControlPlane, stubResource, WaitableLog } from '@mesh/testing';
import { type EngineEvent, ProxyEngine, type ProxyEngineOptions } from '../src/engine/index';
import { XdsClient } from '../src/xds/xds-client';

export interface Resources {
  clusters?: Cluster[];
  endpoints?: ClusterLoadAssignment[];
  listeners?: Listener[];
  routes?: RouteConfiguration[];
  secrets?: Secret[];
}

export class EngineHarness {
  private constructor(
    readonly stub: StubControlPlane,
    readonly client: XdsClient,
    readonly engine: ProxyEngine,
    /** Every access log line, in order. */
    readonly accessLog: string[],
    readonly events: WaitableLog<EngineEvent>,
  ) {}

  static async start(options: Omit<ProxyEngineOptions, 'onEvent' | 'accessLog'> = {}): Promise<EngineHarness> {
    const stub = await StubControlPlane.start();
    const client = new XdsClient({
      serverAddress: stub.address,
      node: { id: 'sidecar~127.0.0.1~test.default~default.svc.cluster.local', cluster: 'test' },
      backoff: { baseMs: 20, capMs: 200 },
    });
    const accessLog: string[] = [];
    const events = new WaitableLog<EngineEvent>('engine event');
    const engine = new ProxyEngine({
      admin: { port: 0 },
      ...options,
      accessLog: (line) => accessLog.push(line),
      onEvent: (event) => events.push(event),
    });
    await engine.start();
    engine.attach(client);
    client.start();
    return new EngineHarness(stub, client, engine, accessLog, events);
  }

  /** Serves the resources (only the types given change) and waits until the engine has applied them. */
  async configure(resources: Resources): Promise<void> {
    const set: string[] = [];
    if (resources.clusters) {
      this.stub.setResources(
        TypeUrl.Cluster,
        resources.clusters.map((c) => stubResource(Cluster, c)),
      );
      set.push(TypeUrl.Cluster);
    }
    if (resources.endpoints) {
      this.stub.setResources(
        TypeUrl.ClusterLoadAssignment,
        resources.endpoints.map((e) => stubResource(ClusterLoadAssignment, e)),
      );
      set.push(TypeUrl.ClusterLoadAssignment);
    }
    if (resources.routes) {
      this.stub.setResources(
        TypeUrl.RouteConfiguration,
        resources.routes.map((r) => stubResource(RouteConfiguration, r)),
      );
      set.push(TypeUrl.RouteConfiguration);
    }
    if (resources.secrets) {
      this.stub.setResources(
        TypeUrl.Secret,
        resources.secrets.map((s) => stubResource(Secret, s)),
      );
      set.push(TypeUrl.Secret);
    }
    if (resources.listeners) {
      this.stub.setResources(
        TypeUrl.Listener,
        resources.listeners.map((l) => stubResource(Listener, l)),
      );
      set.push(TypeUrl.Listener);
    }
    // A first configuration needs both root types, even if empty.
    for (const root of [TypeUrl.Cluster, TypeUrl.Listener]) {
      if (this.stub.versionOf(root) === '') this.stub.setResources(root, []);
    }
    const applied = () =>
      set.every((type) => this.engine.snapshot?.versions[type] === this.stub.versionOf(type)) && this.engine.ready;
    await this.events.waitFor((e) => e.type === 'applied' && applied(), { after: 0, timeoutMs: 5000 });
  }

  /** `http://127.0.0.1:<port>` of a listener. */
  url(listenerName: string, path = '/'): string {
    const address = this.engine.listenerAddress(listenerName);
    if (!address) throw new Error(`listener ${listenerName} is not bound`);
    return `http://${address.address}:${address.port}${path}`;
  }

  port(listenerName: string): number {
    const address = this.engine.listenerAddress(listenerName);
    if (!address) throw new Error(`listener ${listenerName} is not bound`);
    return address.port;
  }

  adminUrl(path: string): string {
    const address = this.engine.adminAddress;
    if (!address) throw new Error('admin is not listening');
    return `http://${address.address}:${address.port}${path}`;
  }

  async stop(): Promise<void> {
    await this.engine.close();
    this.client.close();
    await this.stub.stop();
  }
}

/** What an upstream saw of one request. */
export interface SeenRequest {
  readonly upstream: string;
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export type UpstreamHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** An upstream HTTP server that answers with a JSON description of each request (unless given a handler). */
export class Upstream {
  readonly requests: SeenRequest[] = [];
  /** TCP connections accepted: keep-alive reuse shows as fewer connections than requests. */
  connections = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly name: string,
    private readonly server: Server,
  ) {}

  static async start(name: string, handler?: UpstreamHandler): Promise<Upstream> {
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        upstream.requests.push({
          upstream: name,
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body,
        });
        if (handler) return handler(req, res, body);
        const payload = JSON.stringify({
          upstream: name,
          method: req.method,
          url: req.url,
          headers: req.headers,
          body,
        });
        res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': name });
        res.end(payload);
      });
    });
    const upstream = new Upstream(name, server);
    server.on('connection', (socket: Socket) => {
      upstream.connections++;
      upstream.sockets.add(socket);
      socket.once('close', () => upstream.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return upstream;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A port nothing listens on (bound then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Parsed when the body is JSON (the default upstreams answer with one). */
  json<T = { upstream: string; url: string; headers: IncomingHttpHeaders; method: string; body: string }>(): T;
}

export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Default: a fresh connection per request (false); pass a keep-alive agent to reuse one. */
  agent?: Agent | false;
  /** Abandons the request (closing its connection) after this long. */
  timeoutMs?: number;
  /** Sent verbatim as the request target (a URL's path would be normalized by Node's URL parser). */
  path?: string;
}

export function send(url: string, options: SendOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: options.agent ?? false,
        ...(options.path !== undefined ? { path: options.path } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.timeoutMs !== undefined)
      req.setTimeout(options.timeoutMs, () => req.destroy(new Error('client gave up')));
    req.end(options.body);
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
