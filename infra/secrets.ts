import { ArnFormat, Stack } from "aws-cdk-lib";
import { Grant, type IGrantable } from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";

export interface SecretsAccessProps {
  /**
   * Secrets the functions and the tailer may read: those whose name starts with this (default
   * "dts/", e.g. dts/shop/source). Specs name them in passwordSecretArn; the API refuses others.
   */
  namePrefix?: string;
}

/** Read access to the task's database and Kafka credentials in Secrets Manager, by name prefix. */
export class SecretsAccess extends Construct {
  readonly namePrefix: string;
  /** ARN pattern of the readable secrets. */
  readonly secretArns: string;

  constructor(scope: Construct, id: string, props: SecretsAccessProps = {}) {
    super(scope, id);
    this.namePrefix = props.namePrefix ?? "dts/";
    if (!/^[A-Za-z0-9/_+=.@-]+$/.test(this.namePrefix)) {
      throw new Error(
        `secretNamePrefix "${this.namePrefix}" must be a non-empty secret name prefix (letters, digits, /_+=.@-), e.g. "dts/": an empty one would let the functions read every secret`,
      );
    }
    this.secretArns = Stack.of(this).formatArn({
      service: "secretsmanager",
      resource: "secret",
      resourceName: `${this.namePrefix}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** GetSecretValue and DescribeSecret on the prefixed secrets (no other action, no other secret). */
  grantRead(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
      resourceArns: [this.secretArns],
    });
  }
}
