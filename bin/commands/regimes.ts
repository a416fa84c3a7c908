/** `richscale regimes`: the regime of a task, every exponent and the compute-optimal allocation (SPEC 4). */
import { Command } from 'commander';
import { ConfigError } from '../../lib/config/errors.js';
import { parseNumberToken } from '../../lib/config/flags.js';
import { formatRegimeReport, regimeReport } from '../../lib/scaling/report.js';

function numberFlag(name: string, raw: string | undefined, required: boolean): number | null {
  if (raw === undefined) {
    if (required) throw new ConfigError(`regimes: --${name} is required`);
    return null;
  }
  const v = parseNumberToken(raw);
  if (typeof v !== 'number' || Number.isNaN(v)) throw new ConfigError(`regimes: ${name} = '${raw}' is not a number`);
  return v;
}

/** Paths of the numbers in a report that are not finite (NaN, ±Infinity): every printed number must be finite. */
function nonFinite(v: unknown, path = ''): string[] {
  if (typeof v === 'number') return Number.isFinite(v) ? [] : [path];
  if (v === null || typeof v !== 'object') return [];
  return Object.entries(v).flatMap(([k, x]) => nonFinite(x, path ? `${path}.${k}` : k));
}

export function regimesCommand(): Command {
  return new Command('regimes')
    .description('classify a task (hard / easy / super-easy) and print its lazy and rich exponents and compute-optimal laws (SPEC 4)')
    .option('--alpha <x>', 'capacity exponent α > 1')
    .option('--beta <x>', 'source exponent β > 0')
    .option('--gamma <x>', 'feature-learning strength γ ≥ 0 (optional: says which column applies and the crossover time)')
    .option('--json', 'print the report as JSON')
    .action((opts: { alpha?: string; beta?: string; gamma?: string; json?: boolean }) => {
      const alpha = numberFlag('alpha', opts.alpha, true)!;
      const beta = numberFlag('beta', opts.beta, true)!;
      const gamma = numberFlag('gamma', opts.gamma, false);
      let report;
      try {
        report = regimeReport(alpha, beta, gamma);
      } catch (err) {
        throw new ConfigError(`regimes: ${(err as Error).message}`);
      }
      const overflow = nonFinite(report);
      if (overflow.length > 0) {
        throw new ConfigError(`regimes: alpha = ${alpha}, beta = ${beta}${gamma !== null ? `, gamma = ${gamma}` : ''} are too extreme: ` +
          `${overflow.join(', ')} would not be a finite number (overflow or division by ~0); use values of moderate size`);
      }
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatRegimeReport(report)}\n`);
    });
}
