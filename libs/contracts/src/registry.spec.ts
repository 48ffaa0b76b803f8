import { IsInt, IsOptional, IsString, Min } from 'class-validator';
import { exampleContracts, OrderStatusChangedV1 } from './catalog';
import { defineContract } from './contract';
import { ContractRegistry } from './registry';
import { upcastEvent } from './upcast-event';
import type { EventEnvelope } from './envelope';

class StatusV2 {
  @IsString() state!: string;
  @IsOptional() @IsString() note?: string;
}

class StatusV3 {
  @IsString() state!: string;
  @IsOptional() @IsString() note?: string;
  @IsInt() @Min(0) priority!: number;
}

const v1 = defineContract({ type: 'order.status-changed', version: 1, subjectType: 'order', schema: OrderStatusChangedV1, description: 'v1' });
const v2 = defineContract({
  type: 'order.status-changed',
  version: 2,
  subjectType: 'order',
  schema: StatusV2,
  description: 'v2: status → state, reason → note',
  upcastFrom: ({ status, reason }) => ({ state: String(status), ...(reason === undefined ? {} : { note: String(reason) }) }),
});
const v3 = defineContract({
  type: 'order.status-changed',
  version: 3,
  subjectType: 'order',
  schema: StatusV3,
  description: 'v3: priority',
  upcastFrom: (previous) => ({ ...(previous as { state: string; note?: string }), priority: 0 }),
});

describe('ContractRegistry', () => {
  it('holds the example catalog, one version each', () => {
    const registry = new ContractRegistry(exampleContracts);
    expect(registry.types()).toEqual(['customer.upserted', 'flow.cleared', 'flow.overdue', 'invoice.issued', 'order.created', 'order.status-changed', 'payment.received', 'quarantine.replayed', 'reconciliation.item-opened', 'reconciliation.item-resolved', 'subject.forgotten']);
    expect(registry.all()).toHaveLength(11);
    expect(registry.latest('order.created')?.version).toBe(1);
    expect(registry.get('order.created', 1)?.subjectType).toBe('order');
    expect(registry.get('order.created', 2)).toBeUndefined();
    expect(registry.get('order.created', 0)).toBeUndefined();
    expect(registry.latest('nope')).toBeUndefined();
    expect(registry.get('customer.upserted', 1)?.personalFields).toEqual(['name', 'email', 'phone']);
  });

  it('registers versions in order, each new one with an upcaster', () => {
    const registry = new ContractRegistry([v1, v2, v3]);
    expect(registry.latest('order.status-changed')).toBe(v3);
    expect(registry.get('order.status-changed', 2)).toBe(v2);
  });

  it('refuses a version out of order', () => {
    expect(() => new ContractRegistry([v2])).toThrow('registered out of order: expected v1 next');
    expect(() => new ContractRegistry([v1, v3])).toThrow('order.status-changed v3 registered out of order: expected v2 next');
    expect(() => new ContractRegistry([v1, v1])).toThrow(/expected v2 next/);
  });

  it('refuses a later version without an upcaster', () => {
    const { upcastFrom: _upcast, ...withoutUpcaster } = v2;
    expect(() => new ContractRegistry([v1, withoutUpcaster])).toThrow('order.status-changed v2 needs upcastFrom to read v1');
  });

  it('refuses a version that changes the subject type', () => {
    expect(() => new ContractRegistry([v1, { ...v2, subjectType: 'shipment' }])).toThrow('cannot change its subject type');
  });

  it('leaves the registry unchanged when a registration is refused', () => {
    const registry = new ContractRegistry([v1]);
    expect(() => registry.register(v3)).toThrow();
    expect(registry.latest('order.status-changed')).toBe(v1);
    registry.register(v2);
    expect(registry.latest('order.status-changed')).toBe(v2);
  });

  it('upcasts stored data through every later version', () => {
    const registry = new ContractRegistry([v1, v2, v3]);
    expect(registry.upcast('order.status-changed', 1, { status: 'SHIPPED', reason: 'r' })).toEqual({
      schemaVersion: 3,
      data: { state: 'SHIPPED', note: 'r', priority: 0 },
    });
    expect(registry.upcast('order.status-changed', 2, { state: 'DONE' })).toEqual({ schemaVersion: 3, data: { state: 'DONE', priority: 0 } });
    const latest = { state: 'DONE', priority: 2 };
    expect(registry.upcast('order.status-changed', 3, latest)).toEqual({ schemaVersion: 3, data: latest });
  });

  it('leaves unknown types and versions as they are', () => {
    const registry = new ContractRegistry([v1]);
    expect(registry.upcast('unknown.type', 1, { a: 1 })).toEqual({ schemaVersion: 1, data: { a: 1 } });
    expect(registry.upcast('order.status-changed', 7, { a: 1 })).toEqual({ schemaVersion: 7, data: { a: 1 } });
  });

  it('upcastEvent returns a new event of the latest version, the stored one untouched', () => {
    const registry = new ContractRegistry([v1, v2]);
    const stored: EventEnvelope = {
      id: 'e1',
      source: 'erp',
      type: 'order.status-changed',
      schemaVersion: 1,
      subject: { type: 'order', id: 'SO-1' },
      occurredAt: '2026-11-21T10:00:00Z',
      data: { status: 'OPEN' },
    };
    const read = upcastEvent(registry, stored);
    expect(read).toEqual({ ...stored, schemaVersion: 2, data: { state: 'OPEN' } });
    expect(stored.data).toEqual({ status: 'OPEN' });
    expect(upcastEvent(new ContractRegistry([v1]), stored)).toBe(stored);
  });

  it('validates data against the version it claims, with paths under data.', () => {
    const registry = new ContractRegistry([v1, v2, v3]);
    expect(registry.validateData(v3, { state: 'x', priority: 1 })).toEqual([]);
    expect(registry.validateData(v3, { state: 'x', priority: -1 }).map((e) => e.field)).toEqual(['data.priority']);
    expect(registry.validateData(v1, { state: 'x' }).map((e) => e.field).sort()).toEqual(['data.state', 'data.status', 'data.status']);
  });
});
