import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { SYNTH_TIMEOUT, synthStack } from "./template.ts";

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

  it("gives the functions and the tailer one security group with no inbound rule, to allow into the databases", () => {
    template.resourceCountIs("AWS::EC2::SecurityGroup", 1);
    const [group] = Object.values(template.findResources("AWS::EC2::SecurityGroup"));
    expect(group?.Properties.SecurityGroupIngress).toBeUndefined();
    expect(group?.Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: "0.0.0.0/0", IpProtocol: "-1" }),
    ]);
    template.hasOutput("WorkersSecurityGroup", {
      Value: { "Fn::GetAtt": [Match.stringLikeRegexp("^NetworkWorkers"), "GroupId"] },
    });
  });

  it("takes the NAT gateway count as a prop (two for egress that survives a zone)", () => {
    synthStack({ natGateways: 2 }).template.resourceCountIs("AWS::EC2::NatGateway", 2);
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
    // The state machine's nine, the API and relaunch-tailer (test/infra/supervision.test.ts).
    expect(functions).toHaveLength(11);
    for (const fn of functions) {
      expect(fn.Properties.VpcConfig.SubnetIds).toEqual(["subnet-0priv1", "subnet-0priv2"]);
    }
    template.hasResourceProperties("AWS::Lambda::Function", {
      Tags: Match.arrayWith([{ Key: "dts:function", Value: "start-tailer" }]),
      Environment: { Variables: Match.objectLike({ DTS_TAILER_SUBNETS: "subnet-0priv1,subnet-0priv2" }) },
    });
  });
});
