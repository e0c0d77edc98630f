#!/usr/bin/env node
// The `reports` CLI. Plain JavaScript so it runs straight after `npm ci`, without a build: it registers
// tsx's ESM loader and then imports the TypeScript entry.
import { register } from "tsx/esm/api";

register();
await import("../cli.ts");
