#!/usr/bin/env node
// Entry point of the `lookout` command: TypeScript sources run through tsx's ESM loader, so there is no
// build step to forget and no stale output to run.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
