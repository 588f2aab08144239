import { describe, expect, it } from "vitest";
import { CONTEXT_KEYS, stackPropsFromContext } from "#infra/context.ts";

const from = (context: Record<string, unknown>) => stackPropsFromContext((key) => context[key]);

describe("the app's context (cdk deploy -c key=value)", () => {
  it("reads -c strings into the stack's props: numbers, flags, lists, ports", () => {
    expect(
      from({
        vpcId: "vpc-0a1b",
        natGateways: "2",
        subnetIds: "subnet-0a, subnet-0b",
        subnetType: "PRIVATE_ISOLATED",
        interfaceEndpoints: "true",
        gatewayEndpoints: "false",
        egressPorts: "3306,9094",
        egressCidrs: "10.0.0.0/8",
        tailerCpu: "2048",
        tailerMemoryMiB: "4096",
        tailerSilenceAlarmSeconds: "300",
        binlogHeadroomAlarmSeconds: "7200",
        tailerArchitecture: "ARM64",
        toleratedWorkerFailurePercentage: "10",
      }),
    ).toMatchObject({
      vpcId: "vpc-0a1b",
      natGateways: 2,
      subnetIds: ["subnet-0a", "subnet-0b"],
      subnetType: "PRIVATE_ISOLATED",
      interfaceEndpoints: true,
      gatewayEndpoints: false,
      egressPorts: [3306, 9094],
      egressCidrs: ["10.0.0.0/8"],
      tailerCpu: 2048,
      tailerMemoryMiB: 4096,
      tailerSilenceAlarmSeconds: 300,
      binlogHeadroomAlarmSeconds: 7200,
      tailerArchitecture: "ARM64",
      toleratedWorkerFailurePercentage: 10,
    });
  });

  it("reads cdk.json's JSON values too, and leaves out what is not set", () => {
    expect(
      from({ subnetIds: ["subnet-0a"], interfaceEndpoints: true, egressPorts: [3306], natGateways: 0 }),
    ).toMatchObject({
      subnetIds: ["subnet-0a"],
      interfaceEndpoints: true,
      egressPorts: [3306],
      natGateways: 0,
    });
    expect(from({ egressPorts: "all" }).egressPorts).toBe("all");
    expect(Object.values(from({})).filter((v) => v !== undefined)).toEqual([]);
  });

  it("refuses a bad value, naming the key and what it takes", () => {
    expect(() => from({ natGateways: "two" })).toThrow('context natGateways must be a number, not "two"');
    expect(() => from({ interfaceEndpoints: "yes" })).toThrow(
      "context interfaceEndpoints must be true or false",
    );
    expect(() => from({ subnetType: "PRIVATE" })).toThrow(
      'context subnetType must be PRIVATE_WITH_EGRESS or PRIVATE_ISOLATED, not "PRIVATE"',
    );
    expect(() => from({ egressPorts: "3306,kafka" })).toThrow(/context egressPorts must be TCP ports/);
    expect(() => from({ tailerArchitecture: "arm" })).toThrow(
      /context tailerArchitecture must be X86_64 or ARM64/,
    );
  });

  it("reads every key it lists, each into the prop of the same name", () => {
    const read: string[] = [];
    stackPropsFromContext((key) => {
      read.push(key);
      return undefined;
    });
    expect(read.sort()).toEqual(CONTEXT_KEYS.filter((k) => k !== "stackName").sort());
    const props = from({}) as Record<string, unknown>;
    for (const key of CONTEXT_KEYS.filter((k) => k !== "stackName")) expect(key in props, key).toBe(true);
  });
});
