// ESLint for the JavaScript this project writes: the package's entries and CLI, the console,
// the simulator, scripts, tests and the bench. Generated and built files are not linted.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["pkg/", "build/", "target/", "artifacts/", "node_modules/", "bench/results/", "pkg.old/"] },
  js.configs.recommended,
  {
    files: ["**/*.{js,mjs,cjs}"],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: "module",
      globals: { ...globals.node },
    },
    rules: {
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      eqeqeq: ["error", "smart"],
      "no-var": "error",
      "prefer-const": "error",
    },
  },
  { files: ["**/*.cjs"], languageOptions: { sourceType: "commonjs" } },
  // Terminal tests match ANSI escape sequences.
  { files: ["tests/cli/**"], rules: { "no-control-regex": "off" } },
  // Browser code, and the tests and bench that hand functions to page.evaluate().
  {
    files: ["www/**", "pkg-template/web.mjs", "pkg-template/error.mjs", "tests/**", "bench/**"],
    languageOptions: { globals: { ...globals.browser } },
  },
];
