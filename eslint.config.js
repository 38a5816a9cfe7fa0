// ESLint for Belfort's browser code (flat config): the page scripts in
// src/belfort/web/static/ (ES modules, run in the browser) and their tests in tests/js/
// (ES modules, run by `node --test`). `make lint` runs it; the libraries copied into
// static/vendor/ are someone else's code and are not checked.

import js from "@eslint/js";
import globals from "globals";

const rules = {
  "no-unused-vars": "error",
  eqeqeq: ["error", "always"],
  "no-var": "error",
  "prefer-const": "error",
};

export default [
  { ignores: ["src/belfort/web/static/vendor/**", "node_modules/**", "test-artifacts/**"] },
  js.configs.recommended,
  {
    files: ["src/belfort/web/static/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    rules,
  },
  {
    // The map draws with Leaflet, loaded by a classic <script> before map.js.
    files: ["src/belfort/web/static/map.js"],
    languageOptions: { globals: { L: "readonly" } },
  },
  {
    // Swagger UI's starter: a classic script after swagger-ui-bundle.js (the CSP allows no inline script).
    files: ["src/belfort/web/static/api-docs.js"],
    languageOptions: {
      sourceType: "script",
      globals: { SwaggerUIBundle: "readonly" },
    },
  },
  {
    files: ["tests/js/**/*.mjs", "tests/js/**/*.js", "eslint.config.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.node },
    },
    rules,
  },
];
