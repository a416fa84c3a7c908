/** `richscale schema`: print (or write) the JSON Schema of a `simulate` config file. */
import { Command } from 'commander';
import { simulateJsonSchema } from '../../lib/config/schema.js';
import { checkOutPath } from '../../lib/config/runFlags.js';
import { atomicWrite } from '../../lib/io/atomicWrite.js';

export function schemaText(): string {
  return JSON.stringify(simulateJsonSchema(), null, 2) + '\n';
}

export function schemaCommand(): Command {
  return new Command('schema')
    .description('print the JSON Schema of a simulate config file (schema/simulate.schema.json)')
    .option('--write <file>', 'write it to FILE instead of stdout')
    .action(async (opts: { write?: string }) => {
      const text = schemaText();
      if (checkOutPath(opts.write, '--write') !== undefined) await atomicWrite(opts.write!, text);
      else process.stdout.write(text);
    });
}
