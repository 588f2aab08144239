/** Tag that tells the local runner which functions/<name>/handler.ts a Lambda deploys. */
export const FUNCTION_TAG = "dts:function";
