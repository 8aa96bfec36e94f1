import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Actor, CurrentActor, RequireScopes } from './auth.decorators.js';
import { ClientsService } from './clients.service.js';
import { CreateClientDto } from './dto/create-client.dto.js';

@ApiTags('clients')
@ApiBearerAuth()
@RequireScopes('admin')
@Controller('api/v1/clients')
export class ClientsController {
  constructor(private readonly clients: ClientsService) {}

  /** Registers a client. The secret is in this answer only; it is stored hashed. */
  @Post()
  create(@Body() dto: CreateClientDto, @CurrentActor() actor: Actor) {
    return this.clients.create(dto, actor);
  }

  @Get()
  async list() {
    return { items: await this.clients.list() };
  }

  @Get(':clientId')
  get(@Param('clientId') clientId: string) {
    return this.clients.get(clientId);
  }

  /** Disables the client: no new tokens; tokens already issued expire within their TTL. */
  @Delete(':clientId')
  @HttpCode(204)
  async disable(@Param('clientId') clientId: string, @CurrentActor() actor: Actor): Promise<void> {
    await this.clients.disable(clientId, actor);
  }
}
