/** `richscale schema`: print (or write) the JSON Schema of a config file (simulate family, or sobolev). */
import { Command, Option } from 'commander';
import { simulateJsonSchema } from '../../lib/config/schema.js';
import { checkOutPath } from '../../lib/config/runFlags.js';
import { atomicWrite } from '../../lib/io/atomicWrite.js';
import { sobolevJsonSchema } from '../../lib/mlp/config.js';

/** Config-file schemas by command: simulate, theory, compare and frontier share one; sobolev has its own. */
const SCHEMAS = { simulate: simulateJsonSchema, sobolev: sobolevJsonSchema } as const;
type SchemaName = keyof typeof SCHEMAS;

export function schemaText(name: SchemaName = 'simulate'): string {
  return JSON.stringify(SCHEMAS[name](), null, 2) + '\n';
}

export function schemaCommand(): Command {
  return new Command('schema')
    .description('print the JSON Schema of a config file (schema/simulate.schema.json: simulate, theory, compare, frontier; schema/sobolev.schema.json)')
    .addOption(new Option('--command <name>', 'whose config file').choices(Object.keys(SCHEMAS)).default('simulate'))
    .option('--write <file>', 'write it to FILE instead of stdout')
    .action(async (opts: { write?: string; command: SchemaName }) => {
      const text = schemaText(opts.command);
      if (checkOutPath(opts.write, '--write') !== undefined) await atomicWrite(opts.write!, text);
      else process.stdout.write(text);
    });
}
