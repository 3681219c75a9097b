import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  // eval-tasks: fixture repositories of the eval suite, deliberately buggy or unfinished code in several languages.
  { ignores: ["dist/", "node_modules/", "coverage/", "test-output/", "bin/", "eval-tasks/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", ignoreRestSiblings: true }],
    },
  },
  { files: ["**/*.cjs"], languageOptions: { sourceType: "commonjs", globals: { module: "writable" } } },
  // The size limits of ARCHITECTURE.md, for product code (tests may hold long tables of cases).
  {
    files: ["src/**/*.ts"],
    ignores: ["src/**/*.test.ts"],
    rules: {
      "max-lines": ["error", { max: 400 }],
      "max-lines-per-function": ["error", { max: 120, skipBlankLines: true, skipComments: true }],
    },
  },
);
