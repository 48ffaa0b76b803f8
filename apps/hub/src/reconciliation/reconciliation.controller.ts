import { BadRequestException, Controller, Get, Headers, Inject, NotFoundException, Param, Query, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Readable } from 'node:stream';
import { CLOCK, type Clock } from '@concord/common';
import { PRINTABLE_ID } from '@concord/contracts';
import { InvalidDocumentQueryError, type DocumentPage, type DocumentQuery } from '@concord/projections';
import { Roles } from '../access/route-access';
import { subjectOf } from '../entities/entities.controller';
import { encodeCursor } from '../entities/entity-list-query';
import { csvRow } from '../http/csv';
import type { ReconItem } from './reconciliation-model';
import { parseItemListQuery, parseReportWindow, ReconciliationQueryError } from './reconciliation-query';
import { listed, ReconciliationReader, type ReconciliationReport } from './reconciliation.reader';

@ApiTags('reconciliation')
@Controller('v1/reconciliation')
export class ReconciliationController {
  constructor(
    private readonly reader: ReconciliationReader,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @Roles('analyst', 'auditor')
  @ApiOperation({
    summary: 'Where the source systems disagree: the summary and the items',
    description:
      'Filters: entity=<type>, kind=mismatch|missing|duplicate, status=open (default)|pending|resolved|cleared|all. Newest first; limit ≤ 500, cursor from nextCursor. CSV with Accept: text/csv or format=csv (all pages, streamed).',
  })
  async list(@Query() params: Record<string, unknown>, @Headers('accept') accept?: string) {
    const request = refuseBadInput(() => parseItemListQuery(params, accept));
    if (request.format === 'csv') return this.csv(request.query, request.entity);
    const [summary, page] = await Promise.all([this.reader.summary(request.entity), this.page(request.query)]);
    const last = page.items[page.items.length - 1];
    return {
      rulesVersion: this.reader.rules.version,
      summary,
      items: page.items.map((row) => listed(row.doc as unknown as ReconItem)),
      ...(page.hasMore && last ? { nextCursor: encodeCursor(request.sort, last.sortValue, last.key) } : {}),
    };
  }

  @Get('report')
  @Roles('analyst', 'auditor')
  @ApiOperation({
    summary: 'A report snapshot for a time window, with the rules version that produced it',
    description: 'from/to (ISO; default the last 24 hours), entity=<type>. Every disagreement episode pending or open inside the window, with its status at the window end. JSON, or CSV with format=csv / Accept: text/csv.',
  })
  async report(@Query() params: Record<string, unknown>, @Headers('accept') accept?: string) {
    const now = this.clock.now();
    const window = refuseBadInput(() => parseReportWindow(params, accept, now));
    const report = await this.reader.report(window, now.toISOString());
    return window.format === 'csv' ? reportCsv(report) : report;
  }

  @Get('items/:itemId')
  @Roles('analyst', 'auditor')
  @ApiOperation({ summary: 'One reconciliation item with its history (opened, changed, resolved, with the events that caused each step)' })
  async item(@Param('itemId') itemId: string) {
    if (!PRINTABLE_ID.test(itemId)) throw new BadRequestException('item id must be 1..200 characters without control characters');
    const item = await this.reader.item(itemId);
    if (!item) throw new NotFoundException(`no reconciliation item ${JSON.stringify(itemId)}`);
    const { announce: _a, announcing: _n, ...shown } = item;
    return shown;
  }

  @Get(':type/:id')
  @Roles('analyst', 'auditor')
  @ApiOperation({ summary: 'Compare one entity across systems, field by field, with the verdict per field (match, mismatch, unmapped, incomplete)' })
  async compare(@Param('type') type: string, @Param('id') id: string) {
    const subject = subjectOf(type, id);
    if (!this.reader.rules.entities.has(type)) {
      throw new NotFoundException(`no reconciliation rule for entity type ${type}; configured: ${[...this.reader.rules.entities.keys()].join(', ') || 'none'}`);
    }
    const comparison = await this.reader.compare(subject);
    if (!comparison) throw new NotFoundException(`no source has reported ${type} ${JSON.stringify(id)}`);
    return comparison;
  }

  private async page(query: DocumentQuery): Promise<DocumentPage> {
    try {
      return await this.reader.items(query);
    } catch (error) {
      if (error instanceof InvalidDocumentQueryError) throw new BadRequestException(error.message);
      throw error;
    }
  }

  /** Streams every page; one value column per source the rules name (for the entity type asked, or all). */
  private async csv(query: DocumentQuery, entity: string | undefined): Promise<StreamableFile> {
    const rules = entity !== undefined ? [this.reader.rules.entities.get(entity)].filter((r) => r !== undefined) : [...this.reader.rules.entities.values()];
    const sources = [...new Set(rules.flatMap((rule) => rule.sources))].sort();
    const first = await this.page(query);
    const page = this.page.bind(this);
    const rulesVersion = this.reader.rules.version;
    async function* rows(): AsyncGenerator<string> {
      yield csvRow(['id', 'kind', 'status', 'entityType', 'entityId', 'field', 'source', 'reason', 'since', 'dueAt', 'openedAt', 'resolvedAt', ...sources.map((s) => `value.${s}`), 'evidence', 'rulesVersion']);
      let current = first;
      for (;;) {
        for (const { doc } of current.items) {
          const item = doc as unknown as ReconItem;
          yield csvRow([
            item.id,
            item.kind,
            item.status,
            item.entityType,
            item.subject?.id,
            item.field,
            item.source,
            item.reason,
            item.since,
            item.dueAt,
            item.openedAt,
            item.resolvedAt,
            ...sources.map((s) => item.values[s]),
            item.evidence.join(' '),
            rulesVersion,
          ]);
        }
        const last = current.items[current.items.length - 1];
        if (!current.hasMore || !last) return;
        current = await page({ ...query, after: { value: last.sortValue, key: last.key } });
      }
    }
    return new StreamableFile(Readable.from(rows()), { type: 'text/csv; charset=utf-8', disposition: 'attachment; filename="reconciliation.csv"' });
  }
}

function refuseBadInput<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ReconciliationQueryError) throw new BadRequestException(error.message);
    throw error;
  }
}

function reportCsv(report: ReconciliationReport): StreamableFile {
  const lines = [
    csvRow(['itemId', 'kind', 'entityType', 'entityId', 'field', 'source', 'episode', 'since', 'openedAt', 'endedAt', 'statusAtWindowEnd', 'values', 'evidence', 'rulesVersion', 'windowFrom', 'windowTo']),
    ...report.items.map((row) =>
      csvRow([
        row.itemId,
        row.kind,
        row.entityType,
        row.subject?.id,
        row.field,
        row.source,
        row.episode,
        row.since,
        row.openedAt,
        row.endedAt,
        row.status,
        row.values,
        row.evidence?.join(' '),
        report.rulesVersion,
        report.window.from,
        report.window.to,
      ]),
    ),
  ];
  return new StreamableFile(Readable.from(lines), { type: 'text/csv; charset=utf-8', disposition: 'attachment; filename="reconciliation-report.csv"' });
}
