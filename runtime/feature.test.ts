import { describe, expect, it } from 'vitest';
import { checkFeatureOrder, featureParts, type Feature } from './feature.js';

const feature = (name: string, needs: Feature<string>[] = []): Feature<string> => ({
  name,
  needs,
  start: async () => {},
  stop: async () => {},
});

describe('features', () => {
  it('must be listed after the features they need', () => {
    const alarms = feature('alarms');
    const fisheries = feature('fisheries', [alarms]);
    expect(() => checkFeatureOrder([alarms, fisheries])).not.toThrow();
    expect(() => checkFeatureOrder([fisheries, alarms])).toThrow(
      'feature "fisheries" needs "alarms", which must be listed before it',
    );
    expect(() => checkFeatureOrder([fisheries])).toThrow(
      'feature "fisheries" needs "alarms", which is not in the features list',
    );
    expect(() => checkFeatureOrder([alarms, alarms])).toThrow('feature "alarms" is listed twice');
  });

  it('start with the service context, as parts of its core', async () => {
    const started: string[] = [];
    const parts = featureParts(
      [{ name: 'a', start: async (context: string) => void started.push(context), stop: async () => {} }],
      'ctx',
    );
    await parts[0]!.start();
    expect(started).toEqual(['ctx']);
  });
});
