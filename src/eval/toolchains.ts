import type { CommandResult } from "../sandbox/index.js";

/** The programs a language's tests need, by the names suites use for languages. */
const byLanguage: Record<string, readonly string[]> = {
  javascript: ["node"],
  typescript: ["node"],
  python: ["python3"],
  go: ["go"],
  rust: ["cargo"],
  cpp: ["cmake", "make", "c++"],
  java: ["java"],
  shell: ["sh"],
  bash: ["bash"],
};

const programName = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;

/** The programs a task needs: its language's, and the program its test command starts with. */
export function toolchainsFor(language: string, check: string): string[] {
  const first = check.trim().split(/\s+/)[0] ?? "";
  const fromCheck = programName.test(first) && !["cd", "export", "set", "true", "exit"].includes(first) ? [first] : [];
  return [...new Set([...(byLanguage[language.toLowerCase()] ?? []), ...fromCheck])];
}

/** Runs a probe where the tests will run (the sandbox, or this machine with --unsandboxed). */
export type ProbeRunner = (command: string) => Promise<Pick<CommandResult, "exitCode">>;

/**
 * Which of `programs` are missing where the tests run; each program is probed once per run (the answers
 * are kept in `cache`). A name is only ever passed to `command -v` as one quoted word.
 */
export async function missingToolchains(programs: readonly string[], probe: ProbeRunner, cache: Map<string, Promise<boolean>>): Promise<string[]> {
  const present = await Promise.all(
    programs.map((program) => {
      if (!programName.test(program)) return Promise.resolve(false);
      let answer = cache.get(program);
      if (!answer) {
        answer = probe(`command -v '${program}' >/dev/null 2>&1`).then((result) => result.exitCode === 0, () => false);
        cache.set(program, answer);
      }
      return answer;
    }),
  );
  return programs.filter((_, index) => !present[index]);
}
