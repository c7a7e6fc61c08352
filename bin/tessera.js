#!/usr/bin/env node
// Runs the CLI straight from the TypeScript sources; tsx compiles on load and caches the result.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
