/**
 * The reference kaito-ts operator and the `kaito` CLI. For now the package holds the CLI: {@link runCli} runs it
 * in-process with injectable I/O (the `kaito` bin is `runCli(process.argv.slice(2), processIO())`).
 *
 * @packageDocumentation
 */
export { type CliIO, processIO } from "./cli/io.ts";
export { runCli } from "./cli/program.ts";
export { isOperatorError, OperatorError, type OperatorErrorCode } from "./errors.ts";
