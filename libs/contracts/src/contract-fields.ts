import { getMetadataStorage, ValidationTypes } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import type { Constructor } from './field-errors';

/** What a contract declares about one field of its `data`, read from the DTO's class-validator metadata. */
export interface ContractField {
  readonly path: string;
  /** `@IsOptional()`: an event may leave it out. */
  readonly optional: boolean;
  /** Constraint names as class-validator calls them (`isString`, `isNumber`, `isIso8601`, …). */
  readonly checks: readonly string[];
}

interface TypeMetadataStorage {
  findTypeMetadata(target: object, property: string): { typeFunction: () => unknown } | undefined;
}

// class-transformer keeps the @Type metadata in a storage that its index does not re-export.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const typeMetadata = (require('class-transformer/cjs/storage') as { defaultMetadataStorage: TypeMetadataStorage }).defaultMetadataStorage;

/** The top-level fields a DTO declares (only decorated properties count). */
export function declaredFields(schema: Constructor<object>): string[] {
  const metadatas = getMetadataStorage().getTargetValidationMetadatas(schema, undefined as unknown as string, false, false, undefined);
  return [...new Set(metadatas.map((m) => m.propertyName))];
}

/**
 * Follows a dotted path (`total.amount`) through a contract's DTO and its
 * `@ValidateNested` + `@Type` members; undefined when the contract does not
 * declare it. Lets configuration (flow rules, reconciliation rules) be checked
 * against the contracts at start-up instead of failing on the first event.
 * A path through an optional object is optional.
 */
export function contractField(schema: Constructor<object>, path: string): ContractField | undefined {
  const storage = getMetadataStorage();
  let current: Constructor<object> | undefined = schema;
  let optional = false;
  let checks: string[] = [];
  for (const segment of path.split('.')) {
    if (!current) return undefined;
    const metadatas: ValidationMetadata[] = storage.getTargetValidationMetadatas(current, undefined as unknown as string, false, false, undefined).filter((m) => m.propertyName === segment);
    if (metadatas.length === 0) return undefined;
    optional ||= metadatas.some((m) => m.type === ValidationTypes.CONDITIONAL_VALIDATION);
    checks = metadatas.filter((m) => m.type !== ValidationTypes.CONDITIONAL_VALIDATION && m.name).map((m) => m.name!);
    const nested: unknown = metadatas.some((m) => m.type === ValidationTypes.NESTED_VALIDATION) ? typeMetadata.findTypeMetadata(current, segment)?.typeFunction() : undefined;
    current = typeof nested === 'function' ? (nested as Constructor<object>) : undefined;
  }
  return { path, optional, checks };
}
