import 'reflect-metadata';
import { ContractRegistry, exampleContracts, checkEnvelope, streamNameOf, exceedsJsonDepth } from '@concord/contracts';
import { prepareRequest } from '../libs/event-store/src/sqlite/prepared-append';
const reg = new ContractRegistry(exampleContracts);
const ev = (i: number) => `{"id":"bench-${i}","source":"erp","subject":{"type":"order","id":"SO-${i % 2000}"},"occurredAt":"2026-11-21T10:00:00Z","sourceSequence":${i},"correlationId":"flow-${i}","type":"order.status-changed","data":{"status":"S${i % 5}","reason":"step ${i % 7}"}}`;
const body = `{"events":[${Array.from({ length: 100 }, (_, i) => ev(i)).join(',')}]}`;
const N = 300;
for (let r = 0; r < 4; r++) {
  const t = { parse: 0n, depth: 0n, check: 0n, prep: 0n };
  for (let k = 0; k < N; k++) {
    let a = process.hrtime.bigint();
    const doc = JSON.parse(body) as { events: unknown[] };
    let b = process.hrtime.bigint(); t.parse += b - a; a = b;
    exceedsJsonDepth(doc, 34);
    b = process.hrtime.bigint(); t.depth += b - a; a = b;
    const envs = doc.events.map((x) => { const v = checkEnvelope(reg, x); if (!v.ok) throw new Error('bad'); return v.envelope; });
    b = process.hrtime.bigint(); t.check += b - a; a = b;
    const rec = new Date().toISOString();
    envs.map((e) => prepareRequest({ stream: streamNameOf(e.subject), events: [{ envelope: e, transport: { kind: 'http', requestId: 'abc' } }] }, rec));
    b = process.hrtime.bigint(); t.prep += b - a;
  }
  console.log(Object.entries(t).map(([k, v]) => `${k} ${(Number(v) / 1000 / N / 100).toFixed(2)}µs`).join('  '));
}
