import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { AdminBootstrapService } from './admin-bootstrap.service.js';
import { AuthGuard } from './auth.guard.js';
import { ClientsController } from './clients.controller.js';
import { ClientsRepository } from './clients.repository.js';
import { ClientsService } from './clients.service.js';
import { TokenController } from './token.controller.js';
import { TokenService } from './token.service.js';

@Module({
  imports: [JwtModule.register({})],
  controllers: [TokenController, ClientsController],
  providers: [TokenService, ClientsRepository, ClientsService, AdminBootstrapService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [TokenService, AdminBootstrapService],
})
export class AuthModule {}
