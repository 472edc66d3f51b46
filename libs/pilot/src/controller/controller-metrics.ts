/**
 * What the discovery controller measures, as plain calls; `prometheus-metrics.ts` maps them to
 * Istio's metric names:
 *
 *   debounced(seconds, events)     pilot_debounce_time              histogram  first event of a batch → push
 *   pushTriggered(reason, count)   pilot_push_triggers{type}        counter    events merged into pushes, by reason
 *   pushContextInit(seconds)       pilot_pushcontext_init_seconds   histogram  time to build a PushContext
 *   inboundUpdate(type)            pilot_inbound_updates{type}      counter    config, eds, svc, svcdelete
 *   pushContextSize(s, vs)         pilot_services, pilot_virt_services  gauges of the current PushContext
 *   pushContextError()             pilot_pushcontext_errors         counter    PushContext builds that threw
 */
import type { TriggerReason } from '@mesh/mesh-model';

/** Istio's `type` values of pilot_inbound_updates. */
export type InboundUpdateType = 'config' | 'eds' | 'svc' | 'svcdelete';

export interface ControllerMetrics {
  debounced(seconds: number, events: number): void;
  pushTriggered(reason: TriggerReason, count: number): void;
  pushContextInit(seconds: number): void;
  inboundUpdate(type: InboundUpdateType): void;
  pushContextSize(services: number, virtualServices: number): void;
  pushContextError(): void;
}

/** Keeps the figures in memory (unit tests, and a default when no Prometheus registry is wired). */
export class ControllerMetricsRecorder implements ControllerMetrics {
  readonly debounceSeconds: number[] = [];
  readonly debouncedEvents: number[] = [];
  readonly triggers: Partial<Record<TriggerReason, number>> = {};
  readonly initSeconds: number[] = [];
  readonly inbound: Partial<Record<InboundUpdateType, number>> = {};
  services = 0;
  virtualServices = 0;
  errors = 0;

  debounced(seconds: number, events: number): void {
    this.debounceSeconds.push(seconds);
    this.debouncedEvents.push(events);
  }

  pushTriggered(reason: TriggerReason, count: number): void {
    this.triggers[reason] = (this.triggers[reason] ?? 0) + count;
  }

  pushContextInit(seconds: number): void {
    this.initSeconds.push(seconds);
  }

  inboundUpdate(type: InboundUpdateType): void {
    this.inbound[type] = (this.inbound[type] ?? 0) + 1;
  }

  pushContextSize(services: number, virtualServices: number): void {
    this.services = services;
    this.virtualServices = virtualServices;
  }

  pushContextError(): void {
    this.errors++;
  }
}
