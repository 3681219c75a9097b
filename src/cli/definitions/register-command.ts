import type { Command } from "commander";

/** Each command file registers itself on the program; `setExitCode` carries its result out of commander. */
export type RegisterCommand = (program: Command, setExitCode: (code: number) => void) => void;
