import 'reflect-metadata';
import { ContractRegistry, exampleContracts, checkEnvelope, acceptorFor, EventEnvelopeDto } from '@concord/contracts';
import { contentDigest, chainHash } from '@concord/event-store';
import { canonicalJson } from '@concord/common';
const reg = new ContractRegistry(exampleContracts);
const mk = (i: number) => ({ id: `erp-${i}`, source: 'erp', type: 'order.created', subject: { type: 'order', id: `SO-${i % 1000}` }, occurredAt: '2026-11-21T10:00:00Z', sourceSequence: i, data: { customerId: 'C-42', status: 'OPEN', total: { amount: 120.5, currency: 'EUR' } } });
const N = 50000;
const inputs = Array.from({ length: N }, (_, i) => JSON.parse(JSON.stringify(mk(i))));
console.log('fast accepts envelope', acceptorFor(EventEnvelopeDto)(inputs[0]), 'data', acceptorFor(reg.get('order.created', 1)!.schema)(inputs[0].data));
for (let r = 0; r < 3; r++) {
  let t = process.hrtime.bigint();
  const envs = inputs.map((x) => { const v = checkEnvelope(reg, x); if (!v.ok) throw new Error(JSON.stringify(v)); return v.envelope; });
  console.log('checkEnvelope µs/event', Number(process.hrtime.bigint() - t) / 1000 / N);
  t = process.hrtime.bigint();
  envs.forEach((e) => contentDigest(e));
  console.log('contentDigest', Number(process.hrtime.bigint() - t) / 1000 / N);
  t = process.hrtime.bigint();
  envs.forEach((e) => canonicalJson(e));
  console.log('canonicalJson', Number(process.hrtime.bigint() - t) / 1000 / N);
}
