/**
 * EventBridge Schema Registry under Pulumi mocks (LocalStack community has no Schema Registry, so this is
 * where it is proved): one registry for the stack, one schema per detail-type whose content is exactly
 * the generated registry JSON Schema (events/generated/registry/), in the registry's JSONSchemaDraft4
 * format, tagged with the contract's schemaVersion.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { GENERATED_DIR, registrySchemaFile } from "#events/generate-docs.js";
import { ALL_DETAIL_TYPES, EVENT_SOURCE, SCHEMA_VERSION } from "#events/names.js";
import type { Topology } from "#events/topology.js";
import { parseInfraConfig } from "#infra/config.js";
import { configInput } from "../fixtures/config.js";
import { installMocks } from "../support/pulumi-mocks.js";

const mocks = installMocks();
const { createPipeline } = await import("#infra/pipeline.js");

let topology: Topology;

beforeAll(async () => {
  topology = createPipeline(parseInfraConfig(configInput())).topology;
  await mocks.settle();
});

const generated = (dt: string) => readFileSync(join(GENERATED_DIR, "registry", `${dt}.schema.json`), "utf8");

describe("schema registry", () => {
  it("creates one registry for the stack, named from the topology", () => {
    const registries = mocks.ofType("aws:schemas/registry:Registry");
    expect(registries.map((r) => r.inputs.name)).toEqual([topology.schemaRegistry.name]);
    expect(topology.schemaRegistry.name).toBe("rp-unit-report-events");
    expect(registries[0]?.inputs.description.length).toBeLessThanOrEqual(256);
  });

  it("holds exactly one schema per detail-type, named <source>@<DetailType>, in that registry", () => {
    const schemas = mocks.ofType("aws:schemas/schema:Schema");
    expect(schemas.map((s) => s.inputs.name).sort()).toEqual(
      ALL_DETAIL_TYPES.map((dt) => `${EVENT_SOURCE}@${dt}`).sort(),
    );
    for (const s of schemas) {
      expect(s.inputs.registryName).toBe(topology.schemaRegistry.name);
      // the registry's naming rule: letters, '.', '-', '_', '@'; at most 385 characters
      expect(s.inputs.name).toMatch(/^[A-Za-z.\-_@]{1,385}$/);
      expect(s.inputs.description.length).toBeLessThanOrEqual(256);
    }
  });

  it.each(ALL_DETAIL_TYPES)(
    "%s: content equals the generated JSON Schema, JSONSchemaDraft4, versioned with schemaVersion",
    (dt) => {
      const schema = mocks
        .ofType("aws:schemas/schema:Schema")
        .find((s) => s.inputs.name === `${EVENT_SOURCE}@${dt}`);
      expect(schema?.inputs.type).toBe("JSONSchemaDraft4");
      expect(schema?.inputs.content).toBe(generated(dt));
      expect(registrySchemaFile(dt)).toBe(`registry/${dt}.schema.json`);
      const content = JSON.parse(schema?.inputs.content);
      expect(content.$schema).toBe("http://json-schema.org/draft-04/schema#");
      expect(content.properties["detail-type"]).toEqual({ type: "string", enum: [dt] });
      expect(content.properties.detail.properties.schemaVersion).toEqual({
        type: "string",
        enum: [SCHEMA_VERSION],
      });
      expect(schema?.inputs.tags.schemaVersion).toBe(SCHEMA_VERSION);
      expect(content.id).toContain(`/v${SCHEMA_VERSION}/`);
    },
  );
});
