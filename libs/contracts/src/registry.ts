import type { ContractDefinition } from './contract';
import { validateAgainst, type FieldError } from './field-errors';

export interface UpcastResult {
  readonly schemaVersion: number;
  readonly data: Record<string, unknown>;
}

/**
 * The event types Concord accepts, each with its versions. Registration checks
 * the chain is complete, so a gap in versions is a start-up error, not a
 * surprise at read time.
 */
export class ContractRegistry {
  private readonly byType = new Map<string, ContractDefinition[]>();

  constructor(definitions: readonly ContractDefinition[] = []) {
    for (const definition of definitions) this.register(definition);
  }

  register(definition: ContractDefinition): this {
    const versions = this.byType.get(definition.type) ?? [];
    const expected = versions.length + 1;
    if (definition.version !== expected) {
      throw new Error(
        `contract ${definition.type} v${definition.version} registered out of order: expected v${expected} next`,
      );
    }
    if (definition.version > 1 && !definition.upcastFrom) {
      throw new Error(`contract ${definition.type} v${definition.version} needs upcastFrom to read v${definition.version - 1}`);
    }
    const previous = versions[versions.length - 1];
    if (previous && previous.subjectType !== definition.subjectType) {
      throw new Error(`contract ${definition.type} cannot change its subject type between versions`);
    }
    this.byType.set(definition.type, [...versions, definition]);
    return this;
  }

  types(): string[] {
    return [...this.byType.keys()].sort();
  }

  all(): ContractDefinition[] {
    return [...this.byType.values()].flat();
  }

  get(type: string, version: number): ContractDefinition | undefined {
    return this.byType.get(type)?.[version - 1];
  }

  latest(type: string): ContractDefinition | undefined {
    const versions = this.byType.get(type);
    return versions?.[versions.length - 1];
  }

  /** Field errors of `data` against the contract `type` v`version`, paths prefixed with `data.`. */
  validateData(definition: ContractDefinition, data: unknown): FieldError[] {
    return validateAgainst(definition.schema, data, 'data');
  }

  /** Reads stored data of any known version as the latest version of its type. */
  upcast(type: string, schemaVersion: number, data: Record<string, unknown>): UpcastResult {
    const versions = this.byType.get(type);
    if (!versions || schemaVersion > versions.length) return { schemaVersion, data };
    let current = data;
    for (const next of versions.slice(schemaVersion)) {
      current = next.upcastFrom!(current) as Record<string, unknown>;
    }
    return { schemaVersion: versions.length, data: current };
  }
}
