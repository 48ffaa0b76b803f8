import { parentPort } from 'node:worker_threads';
import { openDatabase, type SqliteDatabase } from '@concord/sqlite';
import { walkSqliteRange, type WalkedRange } from './verify-range';

export type VerifyWorkerRequest = { readonly file: string; readonly chunk: number; readonly from: number; readonly to: number };
export type VerifyWorkerReply =
  | ({ readonly chunk: number; readonly ok: true } & WalkedRange)
  | { readonly chunk: number; readonly ok: false; readonly message: string };

/** A verify worker: recomputes the hashes of the ranges it is given, each read in its own snapshot. */
const port = parentPort!;
const databases = new Map<string, SqliteDatabase>();

port.on('message', (request: VerifyWorkerRequest) => {
  let reply: VerifyWorkerReply;
  try {
    let db = databases.get(request.file);
    if (!db) {
      db = openDatabase(request.file, { readonly: true });
      databases.set(request.file, db);
    }
    reply = { chunk: request.chunk, ok: true, ...walkSqliteRange(db, request.from, request.to) };
  } catch (error) {
    reply = { chunk: request.chunk, ok: false, message: (error as Error).message };
  }
  port.postMessage(reply);
});
