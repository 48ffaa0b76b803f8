import { eventUuidOf, uuidV5 } from './event-uuid';

const DNS_NAMESPACE = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';

describe('uuidV5', () => {
  it('matches the published RFC 4122 / uuid-package example', () => {
    expect(uuidV5('hello.example.com', DNS_NAMESPACE)).toBe('fdda765f-fc57-5604-a269-52a7df8164ec');
  });

  it('sets version 5 and the RFC variant', () => {
    const uuid = uuidV5('erp-evt-000123', DNS_NAMESPACE);
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('refuses a namespace that is not a UUID', () => {
    expect(() => uuidV5('x', 'not-a-uuid')).toThrow(TypeError);
  });
});

describe('eventUuidOf', () => {
  it('is stable for one Concord id and differs between ids, including unicode ones', () => {
    expect(eventUuidOf('erp-evt-000123')).toBe(eventUuidOf('erp-evt-000123'));
    expect(eventUuidOf('erp-evt-000123')).not.toBe(eventUuidOf('erp-evt-000124'));
    expect(eventUuidOf('ünï ✓')).not.toBe(eventUuidOf('uni ✓'));
  });

  it('differs between namespaces, so tenants sharing a database never share event ids', () => {
    expect(eventUuidOf('e1', 'tenant_a')).not.toBe(eventUuidOf('e1', 'tenant_b'));
    expect(eventUuidOf('e1', 'tenant_a')).not.toBe(eventUuidOf('e1'));
  });
});
