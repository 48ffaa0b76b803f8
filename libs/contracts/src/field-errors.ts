import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { acceptorFor } from './fast-validation';

export interface FieldError {
  /** Dotted path from the envelope root, e.g. `data.total.amount`. */
  readonly field: string;
  readonly message: string;
}

export type Constructor<T> = new () => T;

/**
 * Validates a plain value against a class-validator DTO. Unknown properties are
 * errors, not silently dropped: a connector that misspells a field must hear it.
 * Valid input usually takes the compiled fast path; class-validator itself
 * decides (and explains) everything the fast path does not accept.
 */
export function validateAgainst<T extends object>(schema: Constructor<T>, value: unknown, pathPrefix: string): FieldError[] {
  if (acceptorFor(schema)(value)) return [];
  return validateWithClassValidator(schema, value, pathPrefix);
}

/** class-validator alone, without the fast path: the reference the fast path is tested against. */
export function validateWithClassValidator<T extends object>(schema: Constructor<T>, value: unknown, pathPrefix: string): FieldError[] {
  const instance = plainToInstance(schema, value, { enableImplicitConversion: false, exposeDefaultValues: false });
  const errors = validateSync(instance as object, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  return flatten(errors, pathPrefix);
}

function flatten(errors: readonly ValidationError[], prefix: string): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) {
      out.push({ field, message: describe(field, error.property, message) });
    }
    if (error.children?.length) out.push(...flatten(error.children, field));
  }
  return out;
}

/** class-validator words its messages with the bare property name; say the full path instead. */
function describe(field: string, property: string, message: string): string {
  if (message.startsWith(`property ${property} should not exist`)) return `${field} is not a field of this contract`;
  if (message.startsWith(`${property} `)) return `${field} ${message.slice(property.length + 1)}`;
  if (message.startsWith(`nested property ${property} `)) return `${field} ${message.slice(`nested property ${property} `.length)}`;
  return message.includes(field) ? message : `${field}: ${message}`;
}
