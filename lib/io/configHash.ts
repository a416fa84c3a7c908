/** A short, stable hash of a resolved simulate config: output folders record it so results of different configs never mix. */
import { createHash } from 'node:crypto';
import type { ResolvedSimulateConfig } from '../simulate/sweep.js';
import { configToJson } from './runJson.js';

export function configHash(config: ResolvedSimulateConfig): string {
  return createHash('sha256').update(JSON.stringify(configToJson(config))).digest('hex').slice(0, 16);
}
