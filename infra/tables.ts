import { RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, BillingMode, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";

export interface TablesProps {
  /** Keep the tables when the stack is deleted (default true: they hold the tasks' state). */
  retain?: boolean;
}

/** DynamoDB tables: tasks (spec, phase, progress, last error), the chunk ledger, checkpoints + leases. */
export class Tables extends Construct {
  readonly tasks: Table;
  readonly chunks: Table;
  readonly checkpoints: Table;

  constructor(scope: Construct, id: string, props: TablesProps = {}) {
    super(scope, id);
    this.tasks = new Table(this, "Tasks", {
      partitionKey: { name: "name", type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.retain === false ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    this.chunks = new Table(this, "Chunks", {
      partitionKey: { name: "task", type: AttributeType.STRING },
      sortKey: { name: "id", type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.retain === false ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    this.checkpoints = new Table(this, "Checkpoints", {
      partitionKey: { name: "task", type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.retain === false ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
  }
}
