import { RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";

export interface TablesProps {
  /** Keep the tables when the stack is deleted (default true: they hold the tasks' state). */
  retain?: boolean;
}

/**
 * DynamoDB tables: tasks (an item per task with its spec, phase, progress and last error, beside
 * it part items for its bulky fields and a small item for its incremental figures:
 * core/store/task-items.ts, and its metrics history by the hour), the chunk ledger, checkpoints + leases.
 */
export class Tables extends Construct {
  readonly tasks: Table;
  readonly chunks: Table;
  readonly checkpoints: Table;

  constructor(scope: Construct, id: string, props: TablesProps = {}) {
    super(scope, id);
    const table = (name: string, partitionKey: string, sortKey?: string, ttl?: string) =>
      new Table(this, name, {
        ...(ttl ? { timeToLiveAttribute: ttl } : {}),
        partitionKey: { name: partitionKey, type: AttributeType.STRING },
        ...(sortKey ? { sortKey: { name: sortKey, type: AttributeType.STRING } } : {}),
        billingMode: BillingMode.PAY_PER_REQUEST,
        encryption: TableEncryption.AWS_MANAGED,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        removalPolicy: props.retain === false ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      });
    // The tasks' metrics history items (core/store/task-history.ts) carry an expiry, epoch seconds:
    // DynamoDB deletes them, free of charge, a day after their hour. No other item has the attribute.
    this.tasks = table("Tasks", "name", undefined, "expiresAt");
    this.chunks = table("Chunks", "task", "id");
    // The chunks not done, by claim key (core/store/chunk-claim.ts: pending first, then copying by
    // heartbeat): a claim reads a few entries here, never the whole ledger. Sparse: a done chunk
    // has no claimKey. The same names as CLAIM_INDEX, CLAIM_KEY and CLAIM_INDEX_ATTRIBUTES there.
    this.chunks.addGlobalSecondaryIndex({
      indexName: "claimable",
      partitionKey: { name: "task", type: AttributeType.STRING },
      sortKey: { name: "claimKey", type: AttributeType.STRING },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: ["state", "execution", "updatedAt", "rows"],
    });
    this.checkpoints = table("Checkpoints", "task");
  }
}
