/**
 * Every handler the state machine invokes, by its functions/<name> directory. Static imports let
 * the bundled CLI (bin/dts.js) carry them; test/infra checks the list against the template.
 */
export type Handler = (input: unknown) => Promise<unknown>;

type HandlerModule = Promise<{ handler: (...args: never[]) => Promise<unknown> }>;

export const TASK_HANDLERS: Readonly<Record<string, () => HandlerModule>> = {
  "build-indexes": () => import("#functions/build-indexes/handler.ts"),
  "capture-position": () => import("#functions/capture-position/handler.ts"),
  "copy-chunk": () => import("#functions/copy-chunk/handler.ts"),
  "full-load-status": () => import("#functions/full-load-status/handler.ts"),
  "plan-chunks": () => import("#functions/plan-chunks/handler.ts"),
  precheck: () => import("#functions/precheck/handler.ts"),
  "record-failure": () => import("#functions/record-failure/handler.ts"),
  schema: () => import("#functions/schema/handler.ts"),
  "start-tailer": () => import("#functions/start-tailer/handler.ts"),
};

export async function loadHandler(name: string): Promise<Handler> {
  const load = TASK_HANDLERS[name];
  if (!load)
    throw new Error(`the state machine invokes functions/${name}, which local/handlers.ts does not list`);
  return (await load()).handler as Handler;
}
