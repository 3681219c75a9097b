#!/usr/bin/env node
// Thin launcher so `npx spark` works from a clone after `npm run build`.
import "../dist/cli/main.js";
