import { getMetadataStorage, ValidationTypes, type ValidationArguments } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import type { Constructor } from './field-errors';

/**
 * A fast acceptance test compiled from a DTO's class-validator metadata.
 *
 * class-validator plus class-transformer cost tens of microseconds per event,
 * mostly in looking metadata up and building instances, not in the checks. The
 * acceptor runs the very same constraint functions directly on the plain JSON
 * value. It is only ever trusted to say "valid": when it says anything else,
 * the caller runs class-validator itself, which decides and words the errors.
 * So it must never accept what class-validator would refuse (a differential
 * test holds it to that), and it simply declines (returns false) for every
 * feature it does not model: groups, `each`, async or promise validation,
 * schema-named targets, nested arrays, property defaults.
 */
export type Acceptor = (value: unknown) => boolean;

interface ConstraintCheck {
  readonly property: string;
  readonly constraints: unknown[];
  readonly validate: (value: unknown, args: ValidationArguments) => unknown;
}

interface PropertyPlan {
  readonly name: string;
  readonly conditions: ReadonlyArray<(object: object, value: unknown) => unknown>;
  readonly checks: readonly ConstraintCheck[];
  /** Set when the property is @ValidateNested with a class-transformer @Type. */
  readonly nested: (() => Acceptor) | undefined;
}

interface TypeMetadataStorage {
  findTypeMetadata(target: object, property: string): { typeFunction: () => unknown } | undefined;
}

const declines: Acceptor = () => false;
const compiled = new WeakMap<Constructor<object>, Acceptor>();

// class-transformer keeps the @Type metadata in a storage that its index does not re-export.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const typeMetadata = (require('class-transformer/cjs/storage') as { defaultMetadataStorage: TypeMetadataStorage }).defaultMetadataStorage;

export function acceptorFor<T extends object>(schema: Constructor<T>): Acceptor {
  let acceptor = compiled.get(schema);
  if (!acceptor) {
    // Registered before compiling, so a self-referencing DTO finds itself instead of recursing.
    compiled.set(schema, declines);
    acceptor = compile(schema);
    compiled.set(schema, acceptor);
  }
  return acceptor;
}

function compile(schema: Constructor<object>): Acceptor {
  const storage = getMetadataStorage();
  // The same call (and arguments) class-validator's executor makes for a root object without groups.
  const metadatas: ValidationMetadata[] = storage.getTargetValidationMetadatas(schema, undefined as unknown as string, false, false, undefined);
  if (metadatas.length === 0) return declines;
  const byProperty = new Map<string, ValidationMetadata[]>();
  for (const metadata of metadatas) {
    if (typeof metadata.target === 'string' || metadata.each || (metadata.groups && metadata.groups.length > 0)) return declines;
    const list = byProperty.get(metadata.propertyName) ?? [];
    list.push(metadata);
    byProperty.set(metadata.propertyName, list);
  }
  // A property with a default value (or a declared field class-validator would see) is not modelled.
  const blank = new schema() as Record<string, unknown>;
  for (const key of Object.keys(blank)) {
    if (blank[key] !== undefined || !byProperty.has(key)) return declines;
  }

  const plans: PropertyPlan[] = [];
  for (const [name, list] of byProperty) {
    const conditions: Array<(object: object, value: unknown) => unknown> = [];
    const checks: ConstraintCheck[] = [];
    let nested: (() => Acceptor) | undefined;
    for (const metadata of list) {
      switch (metadata.type) {
        case ValidationTypes.CONDITIONAL_VALIDATION:
          conditions.push(metadata.constraints[0] as (object: object, value: unknown) => unknown);
          break;
        case ValidationTypes.IS_DEFINED:
        case ValidationTypes.CUSTOM_VALIDATION:
          for (const constraint of storage.getTargetValidatorConstraints(metadata.constraintCls)) {
            if (constraint.async) return declines;
            const instance = constraint.instance as { validate: ConstraintCheck['validate'] };
            checks.push({ property: name, constraints: metadata.constraints, validate: instance.validate.bind(instance) });
          }
          break;
        case ValidationTypes.NESTED_VALIDATION: {
          const type = typeMetadata.findTypeMetadata(schema, name);
          if (!type) return declines;
          const nestedClass = type.typeFunction() as Constructor<object>;
          if (typeof nestedClass !== 'function') return declines;
          nested = () => acceptorFor(nestedClass);
          break;
        }
        case ValidationTypes.WHITELIST:
          break;
        default:
          return declines;
      }
    }
    plans.push({ name, conditions, checks, nested });
  }
  const known = new Set(byProperty.keys());
  const targetName = schema.name;

  return (value: unknown): boolean => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    const prototype = Object.getPrototypeOf(value) as unknown;
    if (prototype !== Object.prototype && prototype !== null) return false;
    const object = value as Record<string, unknown>;
    for (const key of Object.keys(object)) if (!known.has(key)) return false;
    for (const plan of plans) {
      const property = object[plan.name];
      let applies = true;
      for (const condition of plan.conditions) if (!condition(object, property)) applies = false;
      if (!applies) continue;
      for (const check of plan.checks) {
        const args: ValidationArguments = { targetName, property: check.property, object, value: property, constraints: check.constraints };
        if (check.validate(property, args) !== true) return false;
      }
      if (plan.nested && property !== undefined && !plan.nested()(property)) return false;
    }
    return true;
  };
}
