// eslint over the pages' scripts: plain ES modules that run in the browser as they are (no
// build), the platform's (web/static) and the procedures' (their static/ folders, the test
// suite's tiny procedure's too). `npx eslint` (scripts/test) checks them; docs/development.md.
import js from "@eslint/js";
import globals from "globals";

const SCRIPTS = [
  "src/finestreta/web/static/**/*.js",
  "src/finestreta/procedures/*/static/**/*.js",
  "tests/procedures/*/static/**/*.js",
];

export default [
  { ignores: [".venv/", ".venv-tools/", "build/", "dist/", "var/", "test-artifacts/"] },
  {
    files: SCRIPTS,
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: "module",
      globals: globals.browser,
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      ...js.configs.recommended.rules,
      // the repo's style, beyond what is a bug
      "eqeqeq": ["error", "always"],
      "no-var": "error",
      "prefer-const": ["error", { destructuring: "all" }],
      "object-shorthand": ["error", "properties"],
      "no-implicit-globals": "error",
      "no-shadow": ["error", { builtinGlobals: false }],
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "none", ignoreRestSiblings: true }],
      "no-console": ["error", { allow: ["info", "warn", "error"] }],
      "no-alert": "error",
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      "no-script-url": "error",
    },
  },
  {
    files: ["eslint.config.js"],
    languageOptions: { sourceType: "module", globals: globals.node },
    rules: js.configs.recommended.rules,
  },
];
