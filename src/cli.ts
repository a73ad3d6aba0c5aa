#!/usr/bin/env node
// The `gatehouse` executable (package.json "bin": dist/cli.js). The commands live in src/cli/.
import { main } from './cli/main.js';

void main(process.argv.slice(2));
