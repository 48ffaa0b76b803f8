import type { AppendRequest, AppendResult } from './event-store.port';

/**
 * The one optimistic-concurrency rule every adapter applies: the refusal for a
 * request whose expected revision does not match the stream's last revision
 * (`current`: undefined when the stream does not exist), or undefined when it may go ahead.
 */
export function revisionConflict(request: AppendRequest, current: number | undefined): AppendResult | undefined {
  const expected = request.expectedRevision ?? 'any';
  const matches =
    expected === 'any' || (expected === 'no-stream' ? current === undefined : current !== undefined && current === expected);
  return matches ? undefined : { ok: false, reason: 'wrong-expected-revision', expected, actual: current ?? -1 };
}
