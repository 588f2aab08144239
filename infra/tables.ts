import { RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, BillingMode, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";

export interface TablesProps {
  /** Keep the tables when the stack is deleted (default true: they hold the tasks' state). */
  retain?: boolean;
}

/** DynamoDB tables: tasks (spec, phase, progress, last error). Encrypted, with point-in-time recovery. */
export class Tables extends Construct {
  readonly tasks: Table;

  constructor(scope: Construct, id: string, props: TablesProps = {}) {
    super(scope, id);
    this.tasks = new Table(this, "Tasks", {
      partitionKey: { name: "name", type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.retain === false ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
  }
}
