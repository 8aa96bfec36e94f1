import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators.js';
import { type ConsoleAsset, ConsoleAssets, CONSOLE_SECURITY_HEADERS } from './console-assets.js';
import { ConsoleError } from './console.errors.js';

/**
 * The steward console: a static page and its bundle. Public because the page holds no data;
 * every data call it makes goes to the REST API with the steward's bearer token.
 */
@ApiExcludeController()
@Public()
@Controller('console')
export class ConsoleController {
  constructor(private readonly assets: ConsoleAssets) {}

  @Get()
  page(@Res() res: Response): void {
    send(res, this.assets.get('index.html') ?? this.missing());
  }

  @Get(':file')
  file(@Param('file') file: string, @Res() res: Response): void {
    if (file === 'index.html') return this.page(res);
    const asset = this.assets.get(file);
    if (!asset) throw this.assets.isBuilt() ? ConsoleError.assetNotFound() : ConsoleError.notBuilt();
    send(res, asset);
  }

  private missing(): never {
    throw this.assets.isBuilt() ? ConsoleError.assetNotFound() : ConsoleError.notBuilt();
  }
}

function send(res: Response, asset: ConsoleAsset): void {
  res.set(CONSOLE_SECURITY_HEADERS);
  res.type(asset.contentType);
  res.send(asset.body);
}
