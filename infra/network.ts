import { RemovalPolicy } from "aws-cdk-lib";
import {
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  InterfaceVpcEndpointAwsService,
  type ISubnet,
  type IVpc,
  Peer,
  Port,
  SecurityGroup,
  Subnet,
  type SubnetSelection,
  SubnetType,
  Vpc,
} from "aws-cdk-lib/aws-ec2";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";

/**
 * The TCP ports the workers may reach when none are given: MySQL (3306), Kafka and Amazon MSK
 * (9092 plaintext, 9094 TLS, 9096 SASL/SCRAM, 9098 IAM) and a schema registry (8081); 443 (AWS
 * APIs) always.
 */
export const DEFAULT_EGRESS_PORTS = [3306, 8081, 9092, 9094, 9096, 9098];

/** The interface endpoints `interfaceEndpoints` adds: every AWS API the functions and the tailer call but DynamoDB and S3. */
export const INTERFACE_ENDPOINTS = {
  SecretsManager: InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
  EcrApi: InterfaceVpcEndpointAwsService.ECR,
  EcrDocker: InterfaceVpcEndpointAwsService.ECR_DOCKER,
  Logs: InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
  StepFunctions: InterfaceVpcEndpointAwsService.STEP_FUNCTIONS,
  Ecs: InterfaceVpcEndpointAwsService.ECS,
};

export interface NetworkProps {
  /**
   * An existing VPC (the one your databases live in), looked up at synth: the stack needs an
   * explicit account and region then, and CDK caches what it found in cdk.context.json.
   * Default: a new VPC.
   */
  vpcId?: string;
  /**
   * NAT gateways of a new VPC (default 1, ~33 USD a month plus 0.045 USD per GB; 2 makes egress
   * survive the loss of an availability zone, recommended in production). 0 makes its private
   * subnets isolated and turns the interface endpoints on. Ignored with vpcId.
   */
  natGateways?: number;
  /** Availability zones of a new VPC (default 2). Ignored with vpcId. */
  maxAzs?: number;
  /** Run in exactly these subnets of the existing VPC. */
  subnetIds?: string[];
  /**
   * Run in the existing VPC's subnets whose tag `subnetGroupNameTag` has this value (e.g. the
   * group "db" of subnets tagged Tier=db).
   */
  subnetGroupName?: string;
  /** The tag that names subnet groups in the existing VPC (default aws-cdk:subnet-name). */
  subnetGroupNameTag?: string;
  /**
   * Which private subnets of the existing VPC: PRIVATE_WITH_EGRESS (a route to a NAT or transit
   * gateway) or PRIVATE_ISOLATED (no route out: VPC endpoints, a VPN or Direct Connect).
   * Default: with egress when the VPC has such subnets, else isolated.
   */
  subnetType?: "PRIVATE_WITH_EGRESS" | "PRIVATE_ISOLATED";
  /**
   * Interface endpoints for Secrets Manager, ECR (api, dkr), CloudWatch Logs, Step Functions and
   * ECS in the workers' subnets (~7.3 USD a month each per zone, plus 0.01 USD per GB): needed
   * where the subnets have no NAT route. Default: on for a new VPC without NAT gateways, else off
   * (an existing VPC may have them already; private DNS names cannot be claimed twice).
   */
  interfaceEndpoints?: boolean;
  /**
   * The free DynamoDB and S3 (ECR image layers) gateway endpoints. Default: on for a new VPC, off
   * for an existing one (its route tables may have them already).
   */
  gatewayEndpoints?: boolean;
  /**
   * TCP ports the workers may open connections to (the databases' and the brokers' ports), or
   * "all" for any traffic anywhere. Default DEFAULT_EGRESS_PORTS; 443 is always allowed.
   */
  egressPorts?: number[] | "all";
  /** Where those ports may be reached (default anywhere, 0.0.0.0/0): your databases' and brokers' CIDRs. */
  egressCidrs?: string[];
}

/** The interface endpoints a network has, for tests and outputs. */
export type InterfaceEndpointName = keyof typeof INTERFACE_ENDPOINTS;

function validate(props: NetworkProps): void {
  const existing = Boolean(props.vpcId);
  const onlyExisting = ["subnetIds", "subnetGroupName", "subnetGroupNameTag", "subnetType"] as const;
  for (const key of onlyExisting) {
    if (props[key] !== undefined && !existing)
      throw new Error(`${key} selects subnets of an existing VPC: give vpcId too, or leave ${key} out`);
  }
  const choices = [props.subnetIds, props.subnetGroupName, props.subnetType].filter((c) => c !== undefined);
  if (choices.length > 1)
    throw new Error("give one of subnetIds, subnetGroupName and subnetType, not several");
  if (props.subnetIds?.some((id) => !/^subnet-[0-9a-zA-Z]+$/.test(id)))
    throw new Error(
      `subnetIds must be subnet ids such as subnet-0a1b2c3d, not "${props.subnetIds.join(",")}"`,
    );
  if (props.natGateways !== undefined && (!Number.isInteger(props.natGateways) || props.natGateways < 0))
    throw new Error(`natGateways must be a whole number from 0, not ${props.natGateways}`);
  const ports = props.egressPorts;
  if (ports !== undefined && ports !== "all") {
    if (ports.length === 0 || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535))
      throw new Error(
        `egressPorts must list TCP ports from 1 to 65535 (e.g. 3306,9094) or be "all", not "${ports.join(",")}"`,
      );
  }
  if (props.egressCidrs?.some((c) => !/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(c)))
    throw new Error(
      `egressCidrs must be IPv4 CIDRs such as 10.20.0.0/16, not "${props.egressCidrs.join(",")}"`,
    );
  if (ports === "all" && props.egressCidrs)
    throw new Error('egressCidrs limits the egressPorts: with egressPorts "all" every destination is open');
}

/**
 * Where the functions and the tailer run: private subnets of a new or an existing VPC, and one
 * security group ("dts workers") with no inbound rules and outbound only to the given ports and
 * HTTPS. Allow it into your databases' security groups (MySQL port) and your Kafka brokers'.
 */
export class Network extends Construct {
  readonly vpc: IVpc;
  readonly subnets: SubnetSelection;
  readonly securityGroup: SecurityGroup;
  readonly interfaceEndpoints: boolean;

  constructor(scope: Construct, id: string, props: NetworkProps = {}) {
    super(scope, id);
    validate(props);
    const created = !props.vpcId;
    const natGateways = props.natGateways ?? 1;
    this.interfaceEndpoints = props.interfaceEndpoints ?? (created && natGateways === 0);
    if (props.vpcId) {
      this.vpc = Vpc.fromLookup(this, "Vpc", {
        vpcId: props.vpcId,
        ...(props.subnetGroupNameTag ? { subnetGroupNameTag: props.subnetGroupNameTag } : {}),
      });
      this.subnets = props.subnetIds
        ? { subnets: this.subnetsById(props.vpcId, props.subnetIds) }
        : props.subnetGroupName
          ? { subnetGroupName: props.subnetGroupName }
          : {
              subnetType:
                SubnetType[
                  props.subnetType ??
                    (this.vpc.privateSubnets.length > 0 ? "PRIVATE_WITH_EGRESS" : "PRIVATE_ISOLATED")
                ],
            };
    } else {
      const privateType = natGateways === 0 ? SubnetType.PRIVATE_ISOLATED : SubnetType.PRIVATE_WITH_EGRESS;
      const vpc = new Vpc(this, "Vpc", {
        maxAzs: props.maxAzs ?? 2,
        natGateways,
        subnetConfiguration: [
          ...(natGateways > 0 ? [{ name: "public", subnetType: SubnetType.PUBLIC, cidrMask: 24 }] : []),
          { name: "private", subnetType: privateType, cidrMask: 20 },
        ],
        restrictDefaultSecurityGroup: true,
      });
      vpc.addFlowLog("FlowLog", {
        destination: FlowLogDestination.toCloudWatchLogs(
          new LogGroup(this, "FlowLogs", {
            retention: RetentionDays.ONE_MONTH,
            removalPolicy: RemovalPolicy.RETAIN,
          }),
        ),
        // Rejected connections are what one looks for when a task cannot reach its database.
        trafficType: FlowLogTrafficType.REJECT,
      });
      this.vpc = vpc;
      this.subnets = { subnetType: privateType };
    }
    // Free gateway endpoints: checkpoints, leases and image layers do not pass through the NAT.
    if (props.gatewayEndpoints ?? created) {
      this.vpc.addGatewayEndpoint("DynamoDb", {
        service: GatewayVpcEndpointAwsService.DYNAMODB,
        subnets: [this.subnets],
      });
      this.vpc.addGatewayEndpoint("S3", {
        service: GatewayVpcEndpointAwsService.S3,
        subnets: [this.subnets],
      });
    }

    const ports = props.egressPorts ?? DEFAULT_EGRESS_PORTS;
    this.securityGroup = new SecurityGroup(this, "Workers", {
      vpc: this.vpc,
      description: "dts functions and tailer: outbound to the databases, Kafka and AWS APIs; no inbound",
      allowAllOutbound: ports === "all",
    });
    if (ports !== "all") {
      this.securityGroup.addEgressRule(
        Peer.anyIpv4(),
        Port.tcp(443),
        "AWS APIs (DynamoDB, Step Functions, ECS, ECR, Secrets Manager, CloudWatch Logs)",
      );
      for (const cidr of props.egressCidrs ?? ["0.0.0.0/0"]) {
        for (const port of [...new Set(ports)].filter((p) => p !== 443)) {
          this.securityGroup.addEgressRule(Peer.ipv4(cidr), Port.tcp(port), "databases and brokers");
        }
      }
    }

    if (this.interfaceEndpoints) {
      const endpoints = new SecurityGroup(this, "Endpoints", {
        vpc: this.vpc,
        description: "dts VPC interface endpoints: HTTPS from the dts workers only",
        allowAllOutbound: false,
      });
      endpoints.addIngressRule(this.securityGroup, Port.tcp(443), "dts workers");
      for (const [name, service] of Object.entries(INTERFACE_ENDPOINTS)) {
        this.vpc.addInterfaceEndpoint(name, {
          service,
          subnets: { ...this.subnets, onePerAz: true },
          securityGroups: [endpoints],
          open: false,
          privateDnsEnabled: true,
        });
      }
    }
  }

  /**
   * The looked-up subnets with these ids, whatever their kind (a selection by type would miss an
   * isolated one). Before the lookup has run, CDK synthesizes once with a placeholder VPC: the
   * subnets are placeholders then too.
   */
  private subnetsById(vpcId: string, ids: string[]): ISubnet[] {
    const known = [...this.vpc.privateSubnets, ...this.vpc.isolatedSubnets, ...this.vpc.publicSubnets];
    const placeholder = this.vpc.vpcId !== vpcId;
    return ids.map((id) => {
      const found = known.find((subnet) => subnet.subnetId === id);
      if (found) return found;
      if (!placeholder)
        throw new Error(
          `subnetIds: ${id} is not a subnet of ${vpcId}; list subnets of that VPC (cdk.context.json has what was found)`,
        );
      return Subnet.fromSubnetAttributes(this, `Placeholder${id}`, {
        subnetId: id,
        availabilityZone: "placeholder",
        routeTableId: "placeholder",
      });
    });
  }
}
