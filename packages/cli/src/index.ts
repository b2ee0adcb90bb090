export { main, runCli, type CliIo } from "./main.js";
export { EXIT, GkError } from "./errors.js";
