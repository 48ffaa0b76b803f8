export const DEFAULT_INGEST_TOPICS = 'concord.events.erp,concord.events.crm,concord.events.billing';

/** The ingest topic convention: one topic per source system. */
export function ingestTopicFor(source: string): string {
  return `concord.events.${source}`;
}

/**
 * `concord.events.erp,/^concord\.events\..+$/` → what kafkajs subscribes to:
 * names as they are, `/…/` as a regular expression (matched against the topics
 * that exist when the consumer starts; kafkajs does not pick up later ones).
 */
export function parseTopicList(text: string): Array<string | RegExp> {
  return text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .map((t) => (t.length > 2 && t.startsWith('/') && t.endsWith('/') ? new RegExp(t.slice(1, -1)) : t));
}
