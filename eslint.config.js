// Typed ESLint for the whole monorepo. Libraries may not use `console` and may not import
// against the layer direction; tests and scripts may log.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/coverage/**',
      'e2e/artifacts/**',
      '**/*.d.ts',
      // An integrator's own scripts, such as one that runs the server with their configuration.
      'local/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: [
          './packages/*/tsconfig.test.json',
          './examples/*/tsconfig.json',
          './e2e/tsconfig.json',
          './tools/tsconfig.json',
        ],
        tsconfigRootDir: import.meta.dirname,
      },
      globals: { ...globals.browser, ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      curly: ['error', 'multi-line'],
      'no-console': 'error',
    },
  },
  {
    files: ['packages/smime/src/**/*.ts'],
    ignores: ['packages/smime/src/cli/**', 'packages/smime/src/node/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'The library entry must run in browsers.' },
            { group: ['jssip', 'idb', '@mcptt-smime/*'], message: 'smime is the bottom layer.' },
          ],
        },
      ],
    },
  },
  {
    // The floor codec runs in the SDK and the server alike, and depends on nothing.
    files: ['packages/floor/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'The floor codec must run in browsers.' },
            { group: ['@mcptt-smime/*'], message: 'The floor codec depends on no other package.' },
          ],
        },
      ],
    },
  },
  {
    // The XML reader runs in the SDK and the server alike, and depends on nothing.
    files: ['packages/mcptt-xml/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'The XML reader must run in browsers.' },
            { group: ['@mcptt-smime/*'], message: 'The XML reader depends on no other package.' },
          ],
        },
      ],
    },
  },
  {
    // Node-only modules of the core: node:* is allowed, the layering still holds.
    files: ['packages/smime/src/cli/**/*.ts', 'packages/smime/src/node/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['jssip', 'idb', '@mcptt-smime/*'], message: 'smime is the bottom layer.' },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/sdk/src/**/*.ts'],
    ignores: ['packages/sdk/src/adapter/jssip/**', 'packages/sdk/src/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // The negations keep relative paths such as ../adapter/jssip/ out of the match.
              group: ['jssip', 'jssip/*', '!./**', '!../**'],
              message: 'Only src/adapter/jssip imports JsSIP.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/sdk/src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // The negations keep relative paths such as ../adapter/jssip/ out of the match.
              group: ['jssip', 'jssip/*', '!./**', '!../**'],
              message: 'Only src/adapter/jssip imports JsSIP.',
            },
            {
              group: ['../api/*', '../adapter/*'],
              message: 'The core imports neither the API nor the adapter.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: [
      '**/test/**',
      '**/*.test.ts',
      'scripts/**',
      'tools/check-examples.ts',
      'e2e/**',
      'packages/smime/src/cli/**',
      '**/bench/**',
    ],
    rules: { 'no-console': 'off' },
  },
);
