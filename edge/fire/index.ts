export { FirePart } from './fire-part.js';
export { FireConfigSchema, type FireConfig } from './config.js';
export { fireFeature, type FireFeature } from './feature.js';
