import type { CameraSettingsState } from '../../protocols/api/camera-settings.js';
import type {
  CameraSettings,
  CameraSettingsDesired,
  CameraSettingsReported,
} from '../../protocols/mqtt/payloads.js';
import { topics } from '../../protocols/mqtt/topics.js';
import type { Logger } from '../../runtime/logger.js';
import { Counter, type Registry } from '../../runtime/metrics.js';
import type { Part } from '../../runtime/service.js';
import type { CloudContext } from '../core.js';
import type { CloudBus, ValidatedMessage } from '../events.js';
import type { Database } from '../registry/database.js';
import { CameraSettingsStore } from './store.js';

export interface CameraSettingsPartOptions {
  /** The cloud's SQL database (the registry's), open once the registry started. */
  database: () => Database;
  bus: CloudBus;
  publish: CloudContext['publish'];
  log: Logger;
  registry: Registry;
  clock?: () => number;
}

/**
 * Per-camera settings from the dashboard: saved in SQL with a version and an audit row, published to the edge as a
 * retained `settings/desired` message (again at every cloud start: aedes keeps retained messages in memory only),
 * and the edge's `settings/reported` recorded as the applied version.
 */
export class CameraSettingsPart implements Part {
  readonly name = 'camera-settings';
  #store: CameraSettingsStore | undefined;
  #unsubscribe: Array<() => void> = [];
  /** Saves run one at a time, so that retained messages reach the broker in version order. */
  #saving: Promise<unknown> = Promise.resolve();
  readonly #changes: Counter;
  readonly #reports: Counter<'outcome'>;

  constructor(private readonly options: CameraSettingsPartOptions) {
    const registers = [options.registry];
    this.#changes = new Counter({
      name: 'lookout_cloud_camera_settings_changes_total',
      help: 'Camera settings saved from the API (each a new desired version sent to the edge)',
      registers,
    });
    this.#reports = new Counter({
      name: 'lookout_cloud_camera_settings_reports_total',
      help: 'Settings reports from edges: applied, refused (the edge could not apply a version), invalid (camera id differs from the topic)',
      labelNames: ['outcome'],
      registers,
    });
  }

  get store(): CameraSettingsStore {
    if (!this.#store) throw new Error('camera settings part is not started');
    return this.#store;
  }

  async start(): Promise<void> {
    this.#store = new CameraSettingsStore(this.options.database(), this.options.clock);
    const { bus } = this.options;
    this.#unsubscribe.push(
      bus.on('message', (message) => this.#onMessage(message)),
      bus.on('started', () => this.#publishAll()),
    );
  }

  async stop(): Promise<void> {
    for (const off of this.#unsubscribe.splice(0)) off();
    await this.#saving.catch(() => undefined);
  }

  /** Saves the settings as a new version, publishes them to the edge, returns the camera's state. */
  save(edgeId: string, cameraId: string, settings: CameraSettings, by: string): Promise<CameraSettingsState> {
    const task = this.#saving.then(async () => {
      const desired = await this.store.save(edgeId, cameraId, settings, by);
      this.#changes.inc();
      this.options.log.info(
        { edgeId, cameraId, version: desired.version, by, settings },
        'camera settings changed',
      );
      await this.#publish(desired);
      return this.store.get(edgeId, cameraId);
    });
    this.#saving = task.catch(() => undefined);
    return task;
  }

  async #publish(desired: CameraSettingsDesired): Promise<void> {
    const topic = topics.cameraSettingsDesired(desired.edgeId, desired.cameraId);
    await this.options
      .publish(topic, JSON.stringify(desired), { qos: 1, retain: true })
      .catch((error: Error) =>
        // Saved all the same: published again at the next start.
        this.options.log.error(
          { topic, version: desired.version, err: error.message },
          'desired camera settings not published',
        ),
      );
  }

  async #publishAll(): Promise<void> {
    const all = await this.store.allDesired();
    for (const desired of all) await this.#publish(desired);
    if (all.length)
      this.options.log.info({ cameras: all.length }, 'desired camera settings published (retained)');
  }

  async #onMessage(message: ValidatedMessage): Promise<void> {
    if (message.kind !== 'cameras/settings/reported' || !message.cameraId) return;
    const report = message.value as CameraSettingsReported;
    if (report.cameraId !== message.cameraId) {
      this.#reports.inc({ outcome: 'invalid' });
      this.options.log.warn(
        { topic: message.topic, cameraId: report.cameraId },
        'settings report names another camera than its topic; ignored',
      );
      return;
    }
    await this.store.recordReported(message.edgeId, report, message.receivedAt);
    this.#reports.inc({ outcome: report.refused ? 'refused' : 'applied' });
    if (report.refused)
      this.options.log.warn(
        { edgeId: message.edgeId, cameraId: report.cameraId, refused: report.refused },
        'edge refused camera settings',
      );
  }
}
