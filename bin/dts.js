#!/usr/bin/env node
// The `dts` command: the TypeScript CLI, bundled (see cli-bundle.js) or run through tsx.
import { fileURLToPath, pathToFileURL } from "node:url";
import { bundledCli } from "./cli-bundle.js";

// The AWS SDK warns on every start that its 2027 releases need Node 22 (Lambda and the container
// run Node 22); on this Node 20 CLI the warning is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const entry = await bundledCli(fileURLToPath(new URL("..", import.meta.url)));
if (entry) {
  await import(pathToFileURL(entry).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../cli/main.ts");
}
