#!/usr/bin/env node
// The `dts` command: runs the TypeScript CLI through tsx (no build step).
import { register } from "tsx/esm/api";

// The AWS SDK warns on every start that its 2027 releases need Node 22 (Lambda and the container
// run Node 22); on this Node 20 CLI the warning is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

register();
await import("../cli/main.ts");
