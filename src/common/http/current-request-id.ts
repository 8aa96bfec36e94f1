import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** The request id the request log middleware assigned (also echoed in X-Request-Id and every error body). */
export const CurrentRequestId = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const req = ctx.switchToHttp().getRequest<{ id?: unknown }>();
  return String(req.id ?? '');
});
