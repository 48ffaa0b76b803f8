#!/usr/bin/env node
// Checks a Concord audit bundle (`npm run concord -- export`) against a public key, with nothing but Node.js:
// no dependency on the hub's code, its database or any package. Read it before you trust it; it is short on purpose.
//
//   node tools/verify-bundle.mjs --public-key concord-seal.pub.pem bundle.jsonl [--json]
//
// Exit codes: 0 intact, 1 broken (the first problem is printed with its position), 2 usage or unreadable input.
//
// What it checks, line by line (JSON Lines, one object per line):
//   header  {"kind":"header","format":"concord-audit-bundle/1","from","to","consecutivePositions","start":{"position","events","digest"},…}
//   event   {"kind":"event","position","prevHash","hash","event":{the hashed fields}}
//           hash = hex(SHA-256(prevHash + "\n" + canonicalJson(event)))           (canonical JSON: keys sorted, no spaces)
//           each stream's events follow on: revision + 1, prevHash = the previous event's hash (a stream's first event:
//           revision 0 and 64 zeros, when the bundle starts at position 1)
//           positions increase (and have no gaps when the header says the log numbers them 1, 2, 3…)
//   digest  D(p) = hex(SHA-256(D(previous) + "\n" + p + "\n" + hash(p))), from the header's start (64 zeros at position 0)
//   seal    {"kind":"seal","seq","position","events","digest","sealedAt","keyId","signature"}
//           Ed25519 signature over canonicalJson({digest, events, format:"concord-seal/1", keyId, position, sealedAt, seq})
//           under the given public key; its digest and event count must equal the bundle's at its position
//   end     {"kind":"end","events","digest"}: the last line, so a truncated bundle shows
import { createHash, createPublicKey, verify } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const ZERO = '0'.repeat(64);
const HASHED_FIELDS = new Set(['id', 'source', 'type', 'schemaVersion', 'subject', 'occurredAt', 'sourceSequence', 'correlationId', 'causationId', 'actor', 'data', 'stream', 'revision', 'recordedAt', 'transport']);
const REQUIRED_FIELDS = ['id', 'source', 'type', 'schemaVersion', 'subject', 'occurredAt', 'data', 'stream', 'revision', 'recordedAt', 'transport'];

function canonicalJson(value) {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a JSON number: ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((key) => value[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`)
      .join(',')}}`;
  }
  throw new Error(`not a JSON value: ${typeof value}`);
}

const sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('hex');
const keyIdOf = (publicKey) => {
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return `ed25519:${createHash('sha256').update(der.subarray(der.length - 32)).digest('hex').slice(0, 16)}`;
};

class Broken extends Error {
  constructor(position, kind, message, details = {}) {
    super(message);
    this.position = position;
    this.kind = kind;
    this.details = details;
  }
}

export async function verifyBundle(lines, publicKey) {
  const keyId = keyIdOf(publicKey);
  const streams = new Map();
  let header;
  let ended;
  let lineNo = 0;
  let digest;
  let events = 0;
  let lastPosition;
  let sealCount = 0;
  let lastSeal;
  let lastSeq;
  let openStreams = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    let record;
    try {
      record = JSON.parse(line);
    } catch {
      throw new Broken(lastPosition ?? 0, 'malformed-line', `line ${lineNo} is not JSON`);
    }
    if (ended) throw new Broken(lastPosition ?? 0, 'after-end', `line ${lineNo} follows the end line`);
    if (!header) {
      if (record.kind !== 'header' || record.format !== 'concord-audit-bundle/1') throw new Broken(0, 'no-header', 'the first line is not a concord-audit-bundle/1 header');
      header = record;
      const start = header.start ?? {};
      if (!Number.isSafeInteger(start.position) || !Number.isSafeInteger(start.events) || !/^[0-9a-f]{64}$/.test(start.digest ?? '')) throw new Broken(0, 'no-header', 'the header has no valid start {position, events, digest}');
      if (header.from === 1 && (start.position !== 0 || start.events !== 0 || start.digest !== ZERO)) {
        throw new Broken(0, 'bad-start', 'a bundle from position 1 must start from the empty log (position 0, 0 events, 64 zeros)');
      }
      digest = start.digest;
      events = start.events;
      lastPosition = start.position;
      continue;
    }
    switch (record.kind) {
      case 'event': {
        const { position, prevHash, hash, event } = record;
        if (!Number.isSafeInteger(position) || position <= lastPosition) throw new Broken(lastPosition + 1, 'out-of-order', `line ${lineNo}: position ${position} does not come after ${lastPosition} (events removed, reordered or duplicated)`);
        if (header.consecutivePositions && position !== lastPosition + 1) {
          throw new Broken(lastPosition + 1, 'missing-position', `the bundle has no event at position ${lastPosition + 1}: it jumps to ${position} (an event was removed)`);
        }
        if (typeof event !== 'object' || event === null || Array.isArray(event)) throw new Broken(position, 'malformed-event', `line ${lineNo}: no event object`);
        const extra = Object.keys(event).filter((key) => !HASHED_FIELDS.has(key));
        const missing = REQUIRED_FIELDS.filter((key) => event[key] === undefined);
        if (extra.length || missing.length) throw new Broken(position, 'malformed-event', `position ${position}: unexpected fields [${extra}] / missing fields [${missing}]`);
        const where = { stream: event.stream, revision: event.revision };
        const tail = streams.get(event.stream);
        if (tail) {
          if (event.revision !== tail.revision + 1) throw new Broken(position, 'revision-out-of-order', `stream ${event.stream}: after revision ${tail.revision} comes revision ${event.revision}`, where);
          if (prevHash !== tail.hash) throw new Broken(position, 'broken-link', `stream ${event.stream} revision ${event.revision}: prevHash is not the previous event's hash`, { ...where, expected: tail.hash, found: prevHash });
        } else if (header.from === 1) {
          if (event.revision !== 0) throw new Broken(position, 'revision-out-of-order', `stream ${event.stream} starts at revision ${event.revision}, not 0`, where);
          if (prevHash !== ZERO) throw new Broken(position, 'broken-link', `stream ${event.stream} revision 0: prevHash is not 64 zeros`, { ...where, expected: ZERO, found: prevHash });
        } else openStreams++;
        const computed = sha256(`${prevHash}\n${canonicalJson(event)}`);
        if (computed !== hash) throw new Broken(position, 'content-changed', `the event at position ${position} does not hash to its hash: its content was changed`, { ...where, expected: computed, found: hash });
        streams.set(event.stream, { revision: event.revision, hash });
        digest = sha256(`${digest}\n${position}\n${hash}`);
        events++;
        lastPosition = position;
        break;
      }
      case 'seal': {
        const seal = record;
        const signed = canonicalJson({ digest: seal.digest, events: seal.events, format: 'concord-seal/1', keyId: seal.keyId, position: seal.position, sealedAt: seal.sealedAt, seq: seal.seq });
        if (seal.keyId !== keyId) throw new Broken(seal.position, 'seal-invalid', `seal #${seal.seq} names key ${seal.keyId}, not the trusted key ${keyId}`, { seal: seal.seq });
        let valid = false;
        try {
          valid = verify(null, Buffer.from(signed), publicKey, Buffer.from(String(seal.signature), 'base64'));
        } catch {
          valid = false;
        }
        if (!valid) throw new Broken(seal.position, 'seal-invalid', `seal #${seal.seq} (position ${seal.position}): the signature does not match its content`, { seal: seal.seq });
        if (lastSeq !== undefined && seal.seq !== lastSeq + 1) throw new Broken(seal.position, 'seal-invalid', `the seals jump from #${lastSeq} to #${seal.seq}`, { seal: seal.seq });
        if (seal.position !== lastPosition) throw new Broken(seal.position, 'seal-mismatch', `seal #${seal.seq} is for position ${seal.position}, but it follows position ${lastPosition} in the bundle`, { seal: seal.seq });
        if (seal.digest !== digest || seal.events !== events) {
          throw new Broken(seal.position, 'seal-mismatch', `the digest at position ${seal.position} is not the one seal #${seal.seq} signed: events up to it were changed, removed, added or reordered`, { seal: seal.seq, expected: `${seal.digest} over ${seal.events} events`, found: `${digest} over ${events} events` });
        }
        lastSeq = seal.seq;
        lastSeal = seal;
        sealCount++;
        break;
      }
      case 'end':
        if (record.events !== events || record.digest !== digest) throw new Broken(lastPosition, 'end-mismatch', `the end line says ${record.events} events, digest ${record.digest}; the bundle holds ${events}, digest ${digest}`);
        ended = record;
        break;
      default:
        throw new Broken(lastPosition, 'malformed-line', `line ${lineNo}: unknown kind ${JSON.stringify(record.kind)}`);
    }
  }
  if (!header) throw new Broken(0, 'no-header', 'the bundle is empty');
  if (!ended) throw new Broken(lastPosition, 'truncated', `the bundle has no end line after position ${lastPosition}: it was cut short`);
  if (lastPosition !== header.to && events > header.start.events) throw new Broken(lastPosition, 'truncated', `the header says the bundle ends at position ${header.to}, its last event is at ${lastPosition}`);
  return {
    ok: true,
    from: header.from,
    to: header.to,
    events: events - header.start.events,
    streams: streams.size,
    keyId,
    seals: sealCount,
    lastSeal: lastSeal ? { seq: lastSeal.seq, position: lastSeal.position, sealedAt: lastSeal.sealedAt } : null,
    unsealedEvents: events - (lastSeal ? lastSeal.events : header.start.events),
    streamsStartingBeforeWindow: openStreams,
  };
}

function usage(message) {
  process.stderr.write(`${message}\nusage: node tools/verify-bundle.mjs --public-key <pem file> <bundle.jsonl> [--json]\n`);
  process.exit(2);
}

async function main(argv) {
  let keyFile;
  let bundle;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--public-key') keyFile = argv[++i];
    else if (argv[i] === '--json') json = true;
    else if (argv[i].startsWith('--')) usage(`unknown option ${argv[i]}`);
    else bundle = argv[i];
  }
  if (!keyFile || !bundle) usage('a public key and a bundle are required');
  let publicKey;
  try {
    publicKey = createPublicKey(readFileSync(keyFile, 'utf8'));
    if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error(`an ${publicKey.asymmetricKeyType} key, not Ed25519`);
  } catch (error) {
    usage(`cannot use ${keyFile} as the public key: ${error.message}`);
  }
  const input = createReadStream(bundle, 'utf8');
  input.on('error', (error) => usage(`cannot read ${bundle}: ${error.message}`));
  try {
    const report = await verifyBundle(createInterface({ input, crlfDelay: Infinity }), publicKey);
    if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else {
      const sealed = report.lastSeal
        ? `${report.seals} seal(s) verified, the last #${report.lastSeal.seq} at position ${report.lastSeal.position} (${report.lastSeal.sealedAt}); ${report.unsealedEvents} event(s) after it are chained but not sealed`
        : `no seal in the bundle: its ${report.unsealedEvents} event(s) are chained but not sealed${report.from > 1 ? ', and its start digest is the hub’s word' : ''}`;
      const window = report.streamsStartingBeforeWindow > 0 ? `; ${report.streamsStartingBeforeWindow} stream(s) begin before position ${report.from}, so their first link here is covered by the seals only` : '';
      process.stdout.write(`OK: ${report.events} events in ${report.streams} streams, positions ${report.from}..${report.to}, key ${report.keyId}; ${sealed}${window}\n`);
    }
    return 0;
  } catch (error) {
    if (!(error instanceof Broken)) throw error;
    if (json) process.stdout.write(`${JSON.stringify({ ok: false, broken: { position: error.position, kind: error.kind, message: error.message, ...error.details } })}\n`);
    else {
      const d = error.details;
      const where = [d.stream !== undefined ? `stream ${d.stream}` : '', d.revision !== undefined ? `revision ${d.revision}` : '', d.seal !== undefined ? `seal #${d.seal}` : ''].filter(Boolean).join(', ');
      process.stdout.write(`BROKEN at position ${error.position}: ${error.kind}${where ? ` (${where})` : ''}\n${d.expected ? `  expected: ${d.expected}\n  found:    ${d.found}\n` : ''}  ${error.message}\n`);
    }
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('verify-bundle.mjs')) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
