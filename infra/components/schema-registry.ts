/**
 * EventBridge Schema Registry: one registry per stack and, in it, one schema per detail-type — the
 * JSON Schema (draft-04, the registry's `JSONSchemaDraft4`) that `npm run docs:generate` writes to
 * events/generated/registry/, uploaded as committed. Subscribers find the event shapes where AWS users
 * look for them and can download code bindings. The registry numbers a schema's versions itself (a new
 * version per content change); the contract's own version, `schemaVersion`, is the schema's tag, part of
 * its description and of its `id`. LocalStack community has no Schema Registry: the Pulumi unit tests
 * prove this component (infra/tests/unit/schema-registry.test.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { REGISTRY_SCHEMA_TYPE, readGeneratedFile, registrySchemaFile } from "#events/generate-docs.js";
import { ALL_DETAIL_TYPES, type DetailType, EVENT_SOURCE, SCHEMA_VERSION } from "#events/names.js";
import type { Topology } from "#events/topology.js";

export interface SchemaRegistryArgs {
  topology: Topology;
  tags: Record<string, string>;
}

/** The registry name of a detail-type's schema: `<source>@<DetailType>`, as EventBridge names discovered schemas. */
export const registrySchemaName = (dt: DetailType) => `${EVENT_SOURCE}@${dt}`;

export class ReportSchemaRegistry extends pulumi.ComponentResource {
  readonly registry: aws.schemas.Registry;
  readonly schemas: Record<DetailType, aws.schemas.Schema>;

  constructor(name: string, args: SchemaRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("report-pipeline:infra:SchemaRegistry", name, {}, opts);
    const { topology, tags } = args;
    const registryName = topology.schemaRegistry.name;
    this.registry = new aws.schemas.Registry(
      registryName,
      {
        name: registryName,
        description: `Report events on ${topology.bus.name} (source ${EVENT_SOURCE}), schemaVersion ${SCHEMA_VERSION}`,
        tags,
      },
      { parent: this },
    );
    const schemas = {} as Record<DetailType, aws.schemas.Schema>;
    for (const dt of ALL_DETAIL_TYPES) {
      schemas[dt] = new aws.schemas.Schema(
        `${registryName}-${dt}`,
        {
          registryName: this.registry.name,
          name: registrySchemaName(dt),
          type: REGISTRY_SCHEMA_TYPE,
          content: readGeneratedFile(registrySchemaFile(dt)),
          description: `${dt} (detail-type) from ${EVENT_SOURCE}, schemaVersion ${SCHEMA_VERSION}`,
          tags: { ...tags, schemaVersion: SCHEMA_VERSION },
        },
        { parent: this },
      );
    }
    this.schemas = schemas;
    this.registerOutputs({ registryArn: this.registry.arn });
  }
}
