import { RemovalPolicy } from "aws-cdk-lib";
import {
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  type IVpc,
  SecurityGroup,
  type SubnetSelection,
  SubnetType,
  Vpc,
} from "aws-cdk-lib/aws-ec2";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";

export interface NetworkProps {
  /**
   * An existing VPC (the one your databases live in), looked up at synth: the stack needs an
   * explicit account and region then, and CDK caches what it found in cdk.context.json. Its
   * private subnets must reach the internet or have VPC endpoints (the functions and the tailer
   * call DynamoDB, Step Functions, ECS, ECR, Secrets Manager and CloudWatch Logs).
   * Default: a new VPC.
   */
  vpcId?: string;
  /**
   * NAT gateways of a new VPC (default 1, ~33 USD a month plus 0.045 USD per GB; 2 makes egress
   * survive the loss of an availability zone). Ignored with vpcId.
   */
  natGateways?: number;
  /** Availability zones of a new VPC (default 2). Ignored with vpcId. */
  maxAzs?: number;
}

/**
 * Where the functions and the tailer run: private subnets of a new or an existing VPC, and one
 * security group ("dts workers") with no inbound rules. Allow it into your databases' security
 * groups (MySQL port) and your Kafka brokers'.
 */
export class Network extends Construct {
  readonly vpc: IVpc;
  readonly subnets: SubnetSelection = { subnetType: SubnetType.PRIVATE_WITH_EGRESS };
  readonly securityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: NetworkProps = {}) {
    super(scope, id);
    if (props.vpcId) {
      this.vpc = Vpc.fromLookup(this, "Vpc", { vpcId: props.vpcId });
    } else {
      const vpc = new Vpc(this, "Vpc", {
        maxAzs: props.maxAzs ?? 2,
        natGateways: props.natGateways ?? 1,
        subnetConfiguration: [
          { name: "public", subnetType: SubnetType.PUBLIC, cidrMask: 24 },
          { name: "private", subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        ],
        // Free gateway endpoints: checkpoints, leases and image layers do not pass through the NAT.
        gatewayEndpoints: {
          DynamoDb: { service: GatewayVpcEndpointAwsService.DYNAMODB },
          S3: { service: GatewayVpcEndpointAwsService.S3 },
        },
        restrictDefaultSecurityGroup: true,
      });
      vpc.addFlowLog("FlowLog", {
        destination: FlowLogDestination.toCloudWatchLogs(
          new LogGroup(this, "FlowLogs", {
            retention: RetentionDays.ONE_MONTH,
            removalPolicy: RemovalPolicy.DESTROY,
          }),
        ),
        // Rejected connections are what one looks for when a task cannot reach its database.
        trafficType: FlowLogTrafficType.REJECT,
      });
      this.vpc = vpc;
    }
    this.securityGroup = new SecurityGroup(this, "Workers", {
      vpc: this.vpc,
      description: "dts functions and tailer: outbound to the databases, Kafka and AWS APIs; no inbound",
      allowAllOutbound: true,
    });
  }
}
