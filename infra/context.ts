import type { DtsStackProps } from "./stack.ts";

/**
 * The CDK context keys the app reads (`cdk deploy -c key=value`, or cdk.json's "context"), and
 * the stack prop each sets; docs/deploy.md lists them for operators. Values given with -c are
 * strings; cdk.json may hold numbers, booleans and lists as JSON.
 */
export const CONTEXT_KEYS = [
  "stackName",
  "vpcId",
  "natGateways",
  "subnetIds",
  "subnetGroupName",
  "subnetGroupNameTag",
  "subnetType",
  "interfaceEndpoints",
  "gatewayEndpoints",
  "egressPorts",
  "egressCidrs",
  "secretNamePrefix",
  "latencyThresholdSeconds",
  "tailerSilenceAlarmSeconds",
  "binlogHeadroomAlarmSeconds",
  "alarmEmail",
  "tailerArchitecture",
  "tailerCpu",
  "tailerMemoryMiB",
  "toleratedWorkerFailurePercentage",
] as const;

type Read = (key: string) => unknown;

/** The stack's props from the context; a bad value is an error naming the key and what it takes. */
export function stackPropsFromContext(read: Read): DtsStackProps {
  const text = (key: string): string | undefined => {
    const value = read(key);
    return value === undefined || value === null || value === "" ? undefined : String(value);
  };
  const number = (key: string): number | undefined => {
    const value = text(key);
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (!Number.isFinite(parsed)) throw new Error(`context ${key} must be a number, not "${value}"`);
    return parsed;
  };
  const flag = (key: string): boolean | undefined => {
    const value = text(key);
    if (value === undefined) return undefined;
    if (value !== "true" && value !== "false")
      throw new Error(`context ${key} must be true or false, not "${value}"`);
    return value === "true";
  };
  const list = (key: string): string[] | undefined => {
    const value = read(key);
    if (value === undefined || value === null || value === "") return undefined;
    const items = Array.isArray(value) ? value.map(String) : String(value).split(",");
    return items.map((item) => item.trim()).filter((item) => item !== "");
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[]): T | undefined => {
    const value = text(key);
    if (value === undefined) return undefined;
    if (!allowed.includes(value as T))
      throw new Error(`context ${key} must be ${allowed.join(" or ")}, not "${value}"`);
    return value as T;
  };
  const ports = list("egressPorts");
  return {
    vpcId: text("vpcId"),
    natGateways: number("natGateways"),
    subnetIds: list("subnetIds"),
    subnetGroupName: text("subnetGroupName"),
    subnetGroupNameTag: text("subnetGroupNameTag"),
    subnetType: oneOf("subnetType", ["PRIVATE_WITH_EGRESS", "PRIVATE_ISOLATED"] as const),
    interfaceEndpoints: flag("interfaceEndpoints"),
    gatewayEndpoints: flag("gatewayEndpoints"),
    egressPorts:
      ports === undefined
        ? undefined
        : ports.length === 1 && ports[0] === "all"
          ? "all"
          : ports.map((port) => {
              const parsed = Number(port);
              if (!Number.isInteger(parsed))
                throw new Error(
                  `context egressPorts must be TCP ports such as 3306,9094, or all; not "${port}"`,
                );
              return parsed;
            }),
    egressCidrs: list("egressCidrs"),
    secretNamePrefix: text("secretNamePrefix"),
    latencyThresholdSeconds: number("latencyThresholdSeconds"),
    tailerSilenceAlarmSeconds: number("tailerSilenceAlarmSeconds"),
    binlogHeadroomAlarmSeconds: number("binlogHeadroomAlarmSeconds"),
    alarmEmail: text("alarmEmail"),
    tailerArchitecture: oneOf("tailerArchitecture", ["X86_64", "ARM64"] as const),
    tailerCpu: number("tailerCpu"),
    tailerMemoryMiB: number("tailerMemoryMiB"),
    toleratedWorkerFailurePercentage: number("toleratedWorkerFailurePercentage"),
  };
}
