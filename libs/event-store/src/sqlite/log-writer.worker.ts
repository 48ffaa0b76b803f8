import { parentPort } from 'node:worker_threads';
import { openDatabase } from '@concord/sqlite';
import { LogWriter } from './log-writer';
import { fromColumns, resultsToColumns } from './prepared-columns';
import type { WriterReply, WriterRequest } from './thread-log-writer';

/**
 * The worker thread that owns the event logs' writing connections. It does the
 * hashing, the inserts and the fsync, so the main thread keeps parsing and
 * validating requests while the disk syncs.
 */
const port = parentPort!;
const writers = new Map<number, LogWriter>();

function writerFor(id: number): LogWriter {
  const writer = writers.get(id);
  if (!writer) throw new Error(`the event log writer ${id} is not open`);
  return writer;
}

port.on('message', (request: WriterRequest) => {
  let reply: WriterReply;
  try {
    switch (request.op) {
      case 'open':
        writers.set(request.writer, new LogWriter(openDatabase(request.options.file, { synchronous: request.options.synchronous })));
        reply = { seq: request.seq, ok: true };
        break;
      case 'commit':
        reply = { seq: request.seq, ok: true, results: resultsToColumns(writerFor(request.writer).commit(fromColumns(request.group))) };
        break;
      case 'heartbeat':
        writerFor(request.writer).heartbeat(request.at);
        reply = { seq: request.seq, ok: true };
        break;
      case 'close':
        writers.get(request.writer)?.close();
        writers.delete(request.writer);
        reply = { seq: request.seq, ok: true };
        break;
    }
  } catch (error) {
    reply = { seq: request.seq, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
