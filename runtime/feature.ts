import type { Part } from './service.js';

/**
 * One way to add a feature to a service, the same on the edge and in the cloud: the service's core starts its
 * features in the order listed, each with the service's context (bus, log, registry, and what the service
 * offers), and stops them in reverse. Features talk through the typed bus; when one uses another (fisheries and
 * fire alerts use alarms), it holds it and lists it in `needs`, and the core checks it is listed before it.
 */
export interface Feature<Context> {
  readonly name: string;
  /** Features this one uses; each must be listed (so started) before it. */
  readonly needs?: ReadonlyArray<Feature<Context>>;
  start(context: Context): Promise<void>;
  stop(): Promise<void>;
}

/** Throws when a feature is listed twice or before a feature it needs. */
export function checkFeatureOrder<Context>(features: ReadonlyArray<Feature<Context>>): void {
  features.forEach((feature, index) => {
    if (features.indexOf(feature) !== index) throw new Error(`feature "${feature.name}" is listed twice`);
    for (const needed of feature.needs ?? []) {
      const at = features.indexOf(needed);
      if (at === -1)
        throw new Error(
          `feature "${feature.name}" needs "${needed.name}", which is not in the features list`,
        );
      if (at > index)
        throw new Error(`feature "${feature.name}" needs "${needed.name}", which must be listed before it`);
    }
  });
}

/** The features as parts of the service core (each started with the context), after checking their order. */
export function featureParts<Context>(features: ReadonlyArray<Feature<Context>>, context: Context): Part[] {
  checkFeatureOrder(features);
  return features.map((feature) => ({
    name: feature.name,
    start: () => feature.start(context),
    stop: () => feature.stop(),
  }));
}

/**
 * A feature that is one part: the part is built from the context when the feature starts (that is where it
 * registers its routes, sinks, health), then started; `part` reaches it once started (tests, other features).
 */
export class PartFeature<Context, P extends Part> implements Feature<Context> {
  #part: P | undefined;

  constructor(
    readonly name: string,
    private readonly build: (context: Context) => P,
    readonly needs: ReadonlyArray<Feature<Context>> = [],
  ) {}

  get part(): P {
    if (!this.#part) throw new Error(`feature "${this.name}" is not started`);
    return this.#part;
  }

  async start(context: Context): Promise<void> {
    this.#part = this.build(context);
    await this.#part.start();
  }

  async stop(): Promise<void> {
    await this.#part?.stop();
  }
}
