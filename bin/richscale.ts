#!/usr/bin/env node
/**
 * richscale command line. Every error is reported as ONE line `richscale: <message>` on stderr (several config
 * problems are joined with '; ') with exit code 1, or 2 for usage errors caught by commander, 130 / 143 when
 * SIGINT / SIGTERM stopped a run; a stack trace is printed only with RICHSCALE_DEBUG=1.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError, joinProblems } from '../lib/config/errors.js';
import { richscaleVersion } from '../lib/io/version.js';
import { frontierCommand } from './commands/frontier.js';
import { phaseDiagramCommand } from './commands/phaseDiagram.js';
import { fitCommand } from './commands/fit.js';
import { regimesCommand } from './commands/regimes.js';
import { compareCommand, theoryCommand } from './commands/theory.js';
import { validateCommand } from './commands/validate.js';
import { schemaCommand } from './commands/schema.js';
import { InterruptedError, simulateCommand } from './commands/simulate.js';
import { sobolevCommand } from './commands/sobolev.js';
import { spectrumCommand } from './commands/spectrum.js';

const debug = process.env.RICHSCALE_DEBUG === '1';

/** Collapse a message onto one line. */
function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

/** Report an error on stderr; returns the exit code. */
function report(err: unknown): number {
  if (err instanceof InterruptedError) {
    process.stderr.write(`richscale: ${err.message}\n`);
    return err.exitCode;
  }
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  const line =
    err instanceof ConfigError
      ? joinProblems(err.problems)
      : oneLine(err instanceof Error ? err.message || err.name : String(err));
  process.stderr.write(`richscale: ${line}\n`);
  return 1;
}

/** Commander's error text ("error: unknown option '--x'\n(Did you mean --y?)") as one line. */
function commanderLine(text: string): string {
  return oneLine(text.replace(/^error:\s*/i, ''));
}

function configure(cmd: Command): Command {
  return cmd
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      outputError: (text, write) => write(`richscale: ${commanderLine(text)}\n`),
    });
}

export function buildProgram(): Command {
  const program = configure(
    new Command('richscale')
      .description('feature learning and neural scaling laws: simulator and theory toolkit (Bordelon et al., ICLR 2025)')
      .version(richscaleVersion(), '-V, --version', 'print the richscale version'),
  );
  program.addCommand(configure(simulateCommand()));
  program.addCommand(configure(theoryCommand()));
  program.addCommand(configure(compareCommand()));
  program.addCommand(configure(validateCommand()));
  program.addCommand(configure(regimesCommand()));
  program.addCommand(configure(fitCommand()));
  program.addCommand(configure(phaseDiagramCommand()));
  program.addCommand(configure(frontierCommand()));
  program.addCommand(configure(schemaCommand()));
  program.addCommand(configure(sobolevCommand()));
  program.addCommand(configure(spectrumCommand()));
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version end here with exit code 0; usage errors were already printed by outputError.
      return err.exitCode === 0 ? 0 : 2;
    }
    return report(err);
  }
}

process.on('uncaughtException', (err) => process.exit(report(err)));
process.on('unhandledRejection', (err) => process.exit(report(err)));
// A closed stdout (e.g. `richscale schema | head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

process.exitCode = await main(process.argv);
