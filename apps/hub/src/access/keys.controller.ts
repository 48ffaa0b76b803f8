import { BadRequestException, Body, Controller, Get, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { ApiKeys, InvalidKeyRequestError, ROLES, type Role } from '@concord/access';
import { SOURCE_NAME } from '@concord/contracts';
import { readBody } from '../http/read-body';
import { Roles } from './route-access';

export class CreateKeyBody {
  @IsIn(ROLES as unknown as string[], { message: `role must be one of ${ROLES.join(', ')}` })
  role!: Role;

  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) @Matches(SOURCE_NAME, { each: true, message: 'each source must match [a-z0-9-]{1,64}' })
  sources?: string[];

  @IsOptional() @IsString() @Matches(/^[^\u0000-\u001f\u007f]{1,100}$/, { message: 'name must be 1..100 characters without control characters' })
  name?: string;
}

@ApiTags('access')
@Controller('v1/keys')
export class KeysController {
  constructor(private readonly keys: ApiKeys) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'Every API key: id, role, sources, created, revoked (never the key or its hash)' })
  async list() {
    return { keys: await this.keys.list() };
  }

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Create a key; the answer holds the key itself, shown this once only' })
  @ApiBody({ type: CreateKeyBody })
  async create(@Body() body: unknown) {
    const request = readBody(CreateKeyBody, body);
    try {
      const { key, record } = await this.keys.create(request);
      return { key, ...record };
    } catch (error) {
      if (error instanceof InvalidKeyRequestError) throw new BadRequestException(error.message);
      throw error;
    }
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Revoke a key at once; it stays listed with its revocation time' })
  async revoke(@Param('id') id: string) {
    const record = await this.keys.revoke(id);
    if (!record) throw new NotFoundException(`no key ${JSON.stringify(id)}`);
    return record;
  }
}
