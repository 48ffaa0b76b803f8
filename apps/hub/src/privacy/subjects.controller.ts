import { BadRequestException, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { PRINTABLE_ID, SUBJECT_TYPE } from '@concord/contracts';
import { principalOf } from '../access/request-auth';
import { Roles } from '../access/route-access';
import { SubjectErasure, type ErasureReport } from './subject-erasure';

@ApiTags('privacy')
@Controller('v1/subjects')
export class SubjectsController {
  constructor(private readonly erasure: SubjectErasure) {}

  @Post(':type/:id/forget')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({
    summary: "Erase a subject's personal data (crypto-shredding): its keys are destroyed, its personal fields read as \"[erased]\" everywhere",
    description:
      'Idempotent: asking again answers status already-forgotten. 404 when no personal data of the subject was ever stored. The erasure is recorded in the log as subject.forgotten (source concord) in the subject\'s stream.',
  })
  forget(@Param('type') type: string, @Param('id') id: string, @Req() request: FastifyRequest): Promise<ErasureReport> {
    if (!SUBJECT_TYPE.test(type)) throw new BadRequestException('subject type must match [a-z][a-z0-9_]{0,63}');
    if (!PRINTABLE_ID.test(id)) throw new BadRequestException('subject id must be 1..200 characters without control characters');
    return this.erasure.forget({ type, id }, principalOf(request)!.keyId);
  }
}
