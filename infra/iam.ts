/**
 * Typed IAM policy documents. Components write statements as data (so tests can read them back from the
 * mocked resources) and serialise them with `policyJson`, which resolves the ARNs they reference.
 */
import * as pulumi from "@pulumi/pulumi";

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: pulumi.Input<string | Record<string, pulumi.Input<string | pulumi.Input<string>[]>>>;
  Action: string[];
  Resource: pulumi.Input<pulumi.Input<string>[]>;
  Condition?: Record<string, Record<string, pulumi.Input<string | pulumi.Input<string>[]>>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

export function policyDocument(...statements: PolicyStatement[]): PolicyDocument {
  return { Version: "2012-10-17", Statement: statements };
}

/** JSON text of a policy whose ARNs may still be outputs. */
export function policyJson(doc: PolicyDocument): pulumi.Output<string> {
  return pulumi.jsonStringify(doc);
}

/** Trust policy letting one AWS service principal assume a role (trust policies carry no Resource). */
export function assumeRolePolicy(
  service: string,
  condition?: PolicyStatement["Condition"],
): pulumi.Output<string> {
  return pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: service },
        Action: "sts:AssumeRole",
        ...(condition ? { Condition: condition } : {}),
      },
    ],
  });
}
