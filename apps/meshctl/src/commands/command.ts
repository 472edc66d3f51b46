/** What a meshctl subcommand is; each lives in its own module and is registered in ../commands.ts. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Resolves to the exit code. Throwing a FlagError exits 2 (usage), any other error 1. */
  run(argv: string[]): Promise<number>;
}
