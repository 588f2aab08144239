import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_EGRESS_PORTS } from "#infra/network.ts";
import { SYNTH_TIMEOUT, synthStack } from "./template.ts";

/** The interface endpoints' service names (com.amazonaws.REGION.<name>). */
const INTERFACE_SERVICES = ["secretsmanager", "ecr.api", "ecr.dkr", "logs", "states", "ecs"];

/** The workers' egress rules as "cidr protocol port". */
function egress(t: Template): string[] {
  const groups = t.findResources("AWS::EC2::SecurityGroup");
  const workers = Object.entries(groups).find(([id]) => id.startsWith("NetworkWorkers"))?.[1];
  return ((workers?.Properties.SecurityGroupEgress ?? []) as Record<string, unknown>[])
    .map((r) => `${r.CidrIp} ${r.IpProtocol} ${r.FromPort}`)
    .sort();
}

/** Every VPC endpoint's service: its name after com.amazonaws.<region>. */
function endpointServices(t: Template): string[] {
  return Object.values(t.findResources("AWS::EC2::VPCEndpoint")).map((e) => {
    const name = e.Properties.ServiceName as string | { "Fn::Join": [string, unknown[]] };
    const joined =
      typeof name === "string"
        ? name
        : name["Fn::Join"][1].map((p) => (typeof p === "string" ? p : "REGION")).join("");
    return joined.replace(/^com\.amazonaws\.[^.]+\./, "");
  });
}

const ENV = { account: "123456789012", region: "eu-west-1" };
const LOOKUP = `vpc-provider:account=${ENV.account}:filter.vpc-id=vpc-0a1b2c3d4e5f60789:region=${ENV.region}:returnAsymmetricSubnets=true`;
/** What `cdk deploy -c vpcId=...` finds and caches in cdk.context.json for a VPC with two private subnets. */
const FOUND = {
  vpcId: "vpc-0a1b2c3d4e5f60789",
  vpcCidrBlock: "10.20.0.0/16",
  ownerAccountId: ENV.account,
  availabilityZones: [],
  subnetGroups: [
    {
      name: "Public",
      type: "Public",
      subnets: [
        {
          subnetId: "subnet-0pub1",
          cidr: "10.20.0.0/24",
          availabilityZone: "eu-west-1a",
          routeTableId: "rtb-0pub",
        },
        {
          subnetId: "subnet-0pub2",
          cidr: "10.20.1.0/24",
          availabilityZone: "eu-west-1b",
          routeTableId: "rtb-0pub",
        },
      ],
    },
    {
      name: "Private",
      type: "Private",
      subnets: [
        {
          subnetId: "subnet-0priv1",
          cidr: "10.20.16.0/20",
          availabilityZone: "eu-west-1a",
          routeTableId: "rtb-0p1",
        },
        {
          subnetId: "subnet-0priv2",
          cidr: "10.20.32.0/20",
          availabilityZone: "eu-west-1b",
          routeTableId: "rtb-0p2",
        },
      ],
    },
  ],
};

describe("the network, created", () => {
  let template: Template;
  beforeAll(() => {
    template = synthStack().template;
  }, SYNTH_TIMEOUT);

  it("creates a VPC over two zones with one NAT gateway, private subnets and free gateway endpoints for DynamoDB and S3", () => {
    template.resourceCountIs("AWS::EC2::VPC", 1);
    template.resourceCountIs("AWS::EC2::NatGateway", 1);
    const subnets = Object.values(template.findResources("AWS::EC2::Subnet"));
    const privateSubnets = subnets.filter((s) =>
      (s.Properties.Tags as { Key: string; Value: string }[]).some(
        (t) => t.Key === "aws-cdk:subnet-type" && t.Value === "Private",
      ),
    );
    expect(privateSubnets).toHaveLength(2);
    for (const service of ["dynamodb", "s3"]) {
      template.hasResourceProperties("AWS::EC2::VPCEndpoint", {
        VpcEndpointType: "Gateway",
        ServiceName: Match.objectLike({ "Fn::Join": ["", Match.arrayWith([`.${service}`])] }),
      });
    }
  });

  it("logs rejected traffic (a task that cannot reach its database shows up there) and locks the default security group", () => {
    template.hasResourceProperties("AWS::EC2::FlowLog", {
      ResourceType: "VPC",
      TrafficType: "REJECT",
      LogDestinationType: "cloud-watch-logs",
    });
    template.resourceCountIs("Custom::VpcRestrictDefaultSG", 1);
  });

  it("gives the functions and the tailer one security group with no inbound rule, and outbound only to HTTPS and the usual database and broker ports", () => {
    template.resourceCountIs("AWS::EC2::SecurityGroup", 1);
    const [group] = Object.values(template.findResources("AWS::EC2::SecurityGroup"));
    expect(group?.Properties.SecurityGroupIngress).toBeUndefined();
    expect(egress(template)).toEqual(
      [443, ...DEFAULT_EGRESS_PORTS].map((port) => `0.0.0.0/0 tcp ${port}`).sort(),
    );
    template.hasOutput("WorkersSecurityGroup", {
      Value: { "Fn::GetAtt": [Match.stringLikeRegexp("^NetworkWorkers"), "GroupId"] },
    });
  });

  it("takes the NAT gateway count as a prop (two for egress that survives a zone)", () => {
    synthStack({ natGateways: 2 }).template.resourceCountIs("AWS::EC2::NatGateway", 2);
  });

  it("without NAT gateways, runs in isolated subnets and reaches AWS through interface endpoints that only the workers may use", () => {
    const { template: isolated } = synthStack({ natGateways: 0 });
    isolated.resourceCountIs("AWS::EC2::NatGateway", 0);
    isolated.resourceCountIs("AWS::EC2::InternetGateway", 0);
    expect(endpointServices(isolated).sort()).toEqual(["dynamodb", "s3", ...INTERFACE_SERVICES].sort());
    isolated.hasResourceProperties("AWS::EC2::VPCEndpoint", {
      VpcEndpointType: "Interface",
      PrivateDnsEnabled: true,
      SecurityGroupIds: [{ "Fn::GetAtt": [Match.stringLikeRegexp("^NetworkEndpoints"), "GroupId"] }],
    });
    isolated.hasResourceProperties("AWS::EC2::SecurityGroupIngress", {
      IpProtocol: "tcp",
      FromPort: 443,
      ToPort: 443,
      SourceSecurityGroupId: { "Fn::GetAtt": [Match.stringLikeRegexp("^NetworkWorkers"), "GroupId"] },
      GroupId: { "Fn::GetAtt": [Match.stringLikeRegexp("^NetworkEndpoints"), "GroupId"] },
    });
    isolated.hasResourceProperties("AWS::Lambda::Function", {
      VpcConfig: {
        SubnetIds: [{ Ref: Match.stringLikeRegexp("^NetworkVpcprivateSubnet1") }, Match.anyValue()],
      },
    });
  });

  it("limits egress to the ports and CIDRs given, or opens it with egressPorts all", () => {
    const { template: limited } = synthStack({ egressPorts: [3306, 9094], egressCidrs: ["10.20.0.0/16"] });
    expect(egress(limited)).toEqual(["0.0.0.0/0 tcp 443", "10.20.0.0/16 tcp 3306", "10.20.0.0/16 tcp 9094"]);
    expect(egress(synthStack({ egressPorts: "all" }).template)).toEqual(["0.0.0.0/0 -1 undefined"]);
  });

  it("refuses settings that cannot work, naming the prop", () => {
    expect(() => synthStack({ egressPorts: [0] })).toThrow(/egressPorts must list TCP ports/);
    expect(() => synthStack({ egressCidrs: ["10.0.0.0"] })).toThrow(/egressCidrs must be IPv4 CIDRs/);
    expect(() => synthStack({ subnetIds: ["subnet-0a1b"] })).toThrow(
      /subnetIds selects subnets of an existing VPC/,
    );
    expect(() => synthStack({ natGateways: -1 })).toThrow(/natGateways must be a whole number/);
  });
});

describe("the network, imported by vpcId", () => {
  let template: Template;
  beforeAll(() => {
    template = synthStack({ env: ENV, vpcId: "vpc-0a1b2c3d4e5f60789" }, { [LOOKUP]: FOUND }).template;
  }, SYNTH_TIMEOUT);

  it("creates no VPC, and puts every function and the tailer in the existing VPC's private subnets", () => {
    template.resourceCountIs("AWS::EC2::VPC", 0);
    template.resourceCountIs("AWS::EC2::NatGateway", 0);
    template.hasResourceProperties("AWS::EC2::SecurityGroup", { VpcId: "vpc-0a1b2c3d4e5f60789" });
    const functions = Object.values(template.findResources("AWS::Lambda::Function")).filter((f) =>
      ((f.Properties.Tags ?? []) as { Key: string }[]).some((t) => t.Key === "dts:function"),
    );
    // The state machine's nine, the API, relaunch-tailer and watch-tasks (test/infra/supervision.test.ts).
    expect(functions).toHaveLength(12);
    for (const fn of functions) {
      expect(fn.Properties.VpcConfig.SubnetIds).toEqual(["subnet-0priv1", "subnet-0priv2"]);
    }
    template.hasResourceProperties("AWS::Lambda::Function", {
      Tags: Match.arrayWith([{ Key: "dts:function", Value: "start-tailer" }]),
      Environment: { Variables: Match.objectLike({ DTS_TAILER_SUBNETS: "subnet-0priv1,subnet-0priv2" }) },
    });
  });
});

/** A VPC whose private subnets have no route out (endpoints, a VPN or Direct Connect): CDK's lookup calls them Isolated. */
const ISOLATED = {
  ...FOUND,
  subnetGroups: [
    {
      name: "db",
      type: "Isolated",
      subnets: [
        {
          subnetId: "subnet-0iso1",
          cidr: "10.20.64.0/20",
          availabilityZone: "eu-west-1a",
          routeTableId: "rtb-0i1",
        },
        {
          subnetId: "subnet-0iso2",
          cidr: "10.20.80.0/20",
          availabilityZone: "eu-west-1b",
          routeTableId: "rtb-0i2",
        },
      ],
    },
    ...FOUND.subnetGroups,
  ],
};

const subnetsOfFunctions = (t: Template) =>
  Object.values(t.findResources("AWS::Lambda::Function"))
    .filter((f) => ((f.Properties.Tags ?? []) as { Key: string }[]).some((k) => k.Key === "dts:function"))
    .map((f) => f.Properties.VpcConfig.SubnetIds as string[]);

describe("the network, imported with its own subnets and endpoints", () => {
  const existing = (props: Parameters<typeof synthStack>[0], found: unknown = ISOLATED) =>
    synthStack({ env: ENV, vpcId: "vpc-0a1b2c3d4e5f60789", ...props }, { [LOOKUP]: found }).template;

  it("runs in the private subnets with a NAT route by default, in the isolated ones when the VPC has no other", () => {
    const withEgress = existing({});
    for (const ids of subnetsOfFunctions(withEgress)) expect(ids).toEqual(["subnet-0priv1", "subnet-0priv2"]);
    const onlyIsolated = existing({}, { ...ISOLATED, subnetGroups: [ISOLATED.subnetGroups[0]] });
    for (const ids of subnetsOfFunctions(onlyIsolated)) expect(ids).toEqual(["subnet-0iso1", "subnet-0iso2"]);
  });

  it("takes the subnets by type, by id or by group name", () => {
    for (const ids of subnetsOfFunctions(existing({ subnetType: "PRIVATE_ISOLATED" })))
      expect(ids).toEqual(["subnet-0iso1", "subnet-0iso2"]);
    const byId = existing({ subnetIds: ["subnet-0iso2"] });
    for (const ids of subnetsOfFunctions(byId)) expect(ids).toEqual(["subnet-0iso2"]);
    byId.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ DTS_TAILER_SUBNETS: "subnet-0iso2" }) },
    });
    for (const ids of subnetsOfFunctions(existing({ subnetGroupName: "db" })))
      expect(ids).toEqual(["subnet-0iso1", "subnet-0iso2"]);
    expect(() => existing({ subnetIds: ["subnet-0iso1"], subnetType: "PRIVATE_ISOLATED" })).toThrow(
      /give one of/,
    );
    expect(() => existing({ subnetIds: ["subnet-0other"] })).toThrow(/subnet-0other is not a subnet of vpc-/);
    // Before CDK has looked the VPC up (its first pass), the ids are not known yet: no error then.
    expect(() =>
      synthStack({ env: ENV, vpcId: "vpc-0a1b2c3d4e5f60789", subnetIds: ["subnet-0iso2"] }),
    ).not.toThrow();
  });

  it("adds the interface and gateway endpoints to an existing VPC only when asked (it may have them already)", () => {
    existing({}).resourceCountIs("AWS::EC2::VPCEndpoint", 0);
    const withEndpoints = existing({
      subnetType: "PRIVATE_ISOLATED",
      interfaceEndpoints: true,
      gatewayEndpoints: true,
    });
    expect(endpointServices(withEndpoints).sort()).toEqual(["dynamodb", "s3", ...INTERFACE_SERVICES].sort());
    withEndpoints.hasResourceProperties("AWS::EC2::VPCEndpoint", {
      VpcEndpointType: "Interface",
      SubnetIds: ["subnet-0iso1", "subnet-0iso2"],
    });
    withEndpoints.hasResourceProperties("AWS::EC2::VPCEndpoint", {
      VpcEndpointType: "Gateway",
      RouteTableIds: ["rtb-0i1", "rtb-0i2"],
    });
  });
});
