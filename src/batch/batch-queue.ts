/** The Bull queue (or in-process lane) of batch chunks: one job per stored chunk. */
export const BATCH_QUEUE = 'batch-chunks';

export interface ChunkJob {
  loadId: string;
  seq: number;
}

/** Bull ignores a second job with the same id while the first is kept: enqueueing twice is harmless. */
export const chunkJobId = (loadId: string, seq: number, retry?: string) => `${loadId}:${seq}${retry ? `:${retry}` : ''}`;

/** Attempts at one chunk before it is marked failed (each attempt is one transaction). */
export const MAX_CHUNK_ATTEMPTS = 4;
