/**
 * Records what a ConfigStore emits, so specs can count events per object and wait (bounded) for
 * one to arrive.
 */
import { configKey, type Kind } from '@mesh/config-model';
import type { ConfigEvent, ConfigStore } from '@mesh/config-store';
import { waitFor, type WaitOptions } from './wait';

export class EventRecorder {
  readonly events: ConfigEvent[] = [];
  private readonly unsubscribe: () => void;

  constructor(store: ConfigStore) {
    this.unsubscribe = store.subscribe((event) => this.events.push(event));
  }

  /** The events of one object, in order. */
  of(kind: Kind, namespace: string, name: string): ConfigEvent[] {
    const key = configKey({ kind, namespace, name });
    return this.events.filter((e) => configKey(e.config) === key);
  }

  /**
   * The events of one object as short lines with the resourceVersions they carry:
   * `add 12`, `update 15 (was 12)`, `delete 15`.
   */
  history(kind: Kind, namespace: string, name: string): string[] {
    return this.of(kind, namespace, name).map((e) =>
      e.type === 'update'
        ? `update ${e.config.resourceVersion} (was ${e.previous.resourceVersion})`
        : `${e.type} ${e.config.resourceVersion}`,
    );
  }

  /** Waits until the object's history contains `line` (e.g. `add 12`). */
  async waitForEvent(kind: Kind, namespace: string, name: string, line: string, options?: WaitOptions): Promise<void> {
    await waitFor(
      () => `"${line}" for ${kind} ${namespace}/${name} (seen: ${JSON.stringify(this.history(kind, namespace, name))})`,
      () => this.history(kind, namespace, name).includes(line),
      options,
    );
  }

  stop(): void {
    this.unsubscribe();
  }
}
