import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../access/route-access';
import { UI_BUNDLE, type UiBundle } from './ui-bundle';

const UI_ACCESS = "static assets of the dashboard; all data comes from the API with the user's key";

/**
 * The dashboard keeps an API key in the page, so the page allows no script,
 * style or connection from anywhere but the hub itself, and no framing.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  // Small files, revalidated with their ETag: a new build is seen on the next load.
  'cache-control': 'no-cache',
};

/** A file name inside the bundle: no directories climbing out, no hidden files. */
const ASSET = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,100}(\/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,100}){0,3}$/;

/** Serves the single-page dashboard at `/ui`; it talks to the API like any other client. */
@ApiExcludeController()
@Controller('ui')
export class UiController {
  constructor(@Inject(UI_BUNDLE) private readonly bundle: UiBundle) {}

  @Get()
  @Public(UI_ACCESS)
  index(@Res() reply: FastifyReply): void {
    this.send(reply, 'index.html');
  }

  @Get('*')
  @Public(UI_ACCESS)
  asset(@Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    const path = (request.params as Record<string, string | undefined>)['*'] ?? '';
    // The dashboard routes in the URL fragment, so any other page path is the app itself.
    if (path === '' || (ASSET.test(path) && !path.split('/').at(-1)!.includes('.'))) return this.send(reply, 'index.html');
    if (!ASSET.test(path)) return void reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'no such dashboard file' });
    this.send(reply, path);
  }

  private send(reply: FastifyReply, file: string): void {
    void reply.headers(SECURITY_HEADERS);
    if (!this.bundle.built) {
      void reply
        .code(503)
        .type('text/html; charset=utf-8')
        .send('<!doctype html><title>Concord dashboard</title><p>The dashboard is not built. Run <code>npm run build</code> (or <code>npm run build:ui</code>) and reload.</p>');
      return;
    }
    void reply.sendFile(file, this.bundle.dir);
  }
}
