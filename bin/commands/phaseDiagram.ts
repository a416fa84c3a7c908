/** `richscale phase-diagram`: Fig. 1 (a) χ(β) lazy vs rich, (b, c) the (α, β) phase plots, as PNG and SVG. */
import { Command } from 'commander';
import { checkOutPath, makeOutDir } from '../../lib/config/runFlags.js';
import { writePlot } from '../../lib/plot/index.js';
import { chiPlotSpec, phasePlotSpec } from '../../lib/scaling/phaseDiagram.js';

export function phaseDiagramCommand(): Command {
  return new Command('phase-diagram')
    .description('render Fig. 1: (a) χ(β) lazy vs rich, (b, c) (α, β) phase plots lazy and rich (PNG + SVG)')
    .option('--out <dir>', 'output directory', 'results/phase-diagram')
    .option('--json', 'print the written file paths as JSON')
    .action(async (opts: { out: string; json?: boolean }) => {
      checkOutPath(opts.out);
      await makeOutDir(opts.out);
      const written = [
        await writePlot(chiPlotSpec(), opts.out, 'chi'),
        await writePlot(phasePlotSpec('lazy'), opts.out, 'phase-lazy'),
        await writePlot(phasePlotSpec('rich'), opts.out, 'phase-rich'),
      ];
      const files = written.flatMap((w) => [w.pngPath, w.svgPath]);
      process.stdout.write(opts.json ? `${JSON.stringify({ files }, null, 2)}\n` : `phase diagrams in ${opts.out}: ${files.map((f) => f.split('/').pop()).join(', ')}\n`);
    });
}
