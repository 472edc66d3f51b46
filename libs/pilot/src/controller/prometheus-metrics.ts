/**
 * The control plane's figures in a prom-client registry under Istio's metric names, for /metrics
 * on the monitoring port (15014). The ADS server reports through XdsMetrics and the controller
 * through ControllerMetrics; both are bridged here. Histogram buckets are Istio's.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { TriggerReason } from '@mesh/mesh-model';
import { CONVERGENCE_BUCKETS, PUSH_TIME_BUCKETS, shortTypeName, type XdsMetrics } from '../xds-server';
import type { ControllerMetrics, InboundUpdateType } from './controller-metrics';

/** A registry with Node's process metrics (CPU, memory, event loop lag) already in it. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

export class PrometheusXdsMetrics implements XdsMetrics {
  private readonly pushes: Counter<'type'>;
  private readonly pushTimes: Histogram<'type'>;
  private readonly convergence: Histogram;
  private readonly connected: Gauge;
  private readonly rejects: Counter<'type'>;
  private readonly expiredNonces: Counter<'type'>;
  private readonly internalErrors: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.pushes = new Counter({
      name: 'pilot_xds_pushes',
      help: 'xDS responses sent, by type (cds, eds, lds, rds, sds); failed sends as "<type>_senderr".',
      labelNames: ['type'],
      registers,
    });
    this.pushTimes = new Histogram({
      name: 'pilot_xds_push_time',
      help: 'Seconds to generate and send one type to one proxy.',
      labelNames: ['type'],
      buckets: [...PUSH_TIME_BUCKETS],
      registers,
    });
    this.convergence = new Histogram({
      name: 'pilot_proxy_convergence_time',
      help: 'Seconds from the first change merged into a push until a proxy has been sent all of it.',
      buckets: [...CONVERGENCE_BUCKETS],
      registers,
    });
    this.connected = new Gauge({ name: 'pilot_xds', help: 'Proxies connected over xDS now.', registers });
    this.rejects = new Counter({
      name: 'pilot_total_xds_rejects',
      help: 'xDS responses proxies rejected (NACK), by type.',
      labelNames: ['type'],
      registers,
    });
    this.expiredNonces = new Counter({
      name: 'pilot_xds_expired_nonce',
      help: 'xDS requests ignored because their nonce was not the last one sent, by type.',
      labelNames: ['type'],
      registers,
    });
    this.internalErrors = new Counter({
      name: 'pilot_total_xds_internal_errors',
      help: 'Generator failures (the proxy kept its previous config).',
      registers,
    });
  }

  pushSent(typeUrl: string): void {
    this.pushes.inc({ type: shortTypeName(typeUrl) });
  }

  pushTime(typeUrl: string, seconds: number): void {
    this.pushTimes.observe({ type: shortTypeName(typeUrl) }, seconds);
  }

  proxyConvergence(seconds: number): void {
    this.convergence.observe(seconds);
  }

  connectedStreams(count: number): void {
    this.connected.set(count);
  }

  rejected(typeUrl: string): void {
    this.rejects.inc({ type: shortTypeName(typeUrl) });
  }

  expiredNonce(typeUrl: string): void {
    this.expiredNonces.inc({ type: shortTypeName(typeUrl) });
  }

  sendError(typeUrl: string): void {
    this.pushes.inc({ type: `${shortTypeName(typeUrl)}_senderr` });
  }

  generateError(_typeUrl: string): void {
    this.internalErrors.inc();
  }
}

export class PrometheusControllerMetrics implements ControllerMetrics {
  private readonly debounceTime: Histogram;
  private readonly triggers: Counter<'type'>;
  private readonly initTime: Histogram;
  private readonly inbound: Counter<'type'>;
  private readonly services: Gauge;
  private readonly virtualServices: Gauge;
  private readonly errors: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.debounceTime = new Histogram({
      name: 'pilot_debounce_time',
      help: 'Seconds from the first change of a debounced batch until its merged push is queued.',
      buckets: [...PUSH_TIME_BUCKETS],
      registers,
    });
    this.triggers = new Counter({
      name: 'pilot_push_triggers',
      help: 'Changes merged into pushes, by reason (config, service, endpoint, secret, ...).',
      labelNames: ['type'],
      registers,
    });
    this.initTime = new Histogram({
      name: 'pilot_pushcontext_init_seconds',
      help: 'Seconds to build or update a PushContext.',
      buckets: [...PUSH_TIME_BUCKETS],
      registers,
    });
    this.inbound = new Counter({
      name: 'pilot_inbound_updates',
      help: 'Config and discovery changes received, by type (config, eds, svc, svcdelete).',
      labelNames: ['type'],
      registers,
    });
    this.services = new Gauge({ name: 'pilot_services', help: 'Services in the current PushContext.', registers });
    this.virtualServices = new Gauge({
      name: 'pilot_virt_services',
      help: 'VirtualServices in the current PushContext.',
      registers,
    });
    this.errors = new Counter({
      name: 'pilot_pushcontext_errors',
      help: 'PushContext builds that failed (proxies keep the previous config).',
      registers,
    });
  }

  debounced(seconds: number): void {
    this.debounceTime.observe(seconds);
  }

  pushTriggered(reason: TriggerReason, count: number): void {
    this.triggers.inc({ type: reason }, count);
  }

  pushContextInit(seconds: number): void {
    this.initTime.observe(seconds);
  }

  inboundUpdate(type: InboundUpdateType): void {
    this.inbound.inc({ type });
  }

  pushContextSize(services: number, virtualServices: number): void {
    this.services.set(services);
    this.virtualServices.set(virtualServices);
  }

  pushContextError(): void {
    this.errors.inc();
  }
}
