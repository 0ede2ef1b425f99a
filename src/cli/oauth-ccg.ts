#!/usr/bin/env node
// `oauth-ccg`, as the package installs it: runs the command's bundle (main.js, beside this file) through
// V8's code cache (code-cache.ts says why). The build gives BUNDLE_DIGEST the bundle's digest.
import { join } from 'node:path';
import { runWithCodeCache } from './code-cache.ts';
import { cacheDirectory } from './locations.ts';

declare const BUNDLE_DIGEST: string;

runWithCodeCache(join(__dirname, 'main.js'), BUNDLE_DIGEST, cacheDirectory(process.env), require);
