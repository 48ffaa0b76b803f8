import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import type { ContractRegistry } from '@concord/contracts';

/**
 * OpenAPI at /docs (UI) and /docs-json. Envelope and contract schemas are
 * generated from the same class-validator DTOs that validate the input, so the
 * description cannot drift from what the hub enforces.
 */
export function mountOpenApi(app: INestApplication, registry: ContractRegistry): void {
  const config = new DocumentBuilder()
    .setTitle('Concord')
    .setDescription(
      'Event-sourced integration hub. Publish business events; read them back with their hashes and delivery history. ' +
        `Registered contracts: ${registry.all().map((c) => `${c.type} v${c.version}`).join(', ')}.`,
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key: Authorization: Bearer <key>' })
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key', description: 'The same API key in x-api-key' }, 'api-key')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  const schemas = validationMetadatasToSchemas({ refPointerPrefix: '#/components/schemas/' }) as Record<string, object>;
  const contractSchemas: Record<string, object> = {};
  for (const contract of registry.all()) {
    const schema = schemas[contract.schema.name];
    if (schema) contractSchemas[`${contract.type}.v${contract.version}`] = { ...schema, description: contract.description };
  }
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...schemas, ...contractSchemas } };
  SwaggerModule.setup('docs', app, document);
}
