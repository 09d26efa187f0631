// Lint rules, including the layering: only the Electron shell and IPC wiring import `electron`;
// the renderer never imports main-side code or Node built-ins.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: ['out/**', 'dist/**', 'node_modules/**', 'tests/fixtures/**', 'test-results/**', 'coverage/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-control-regex': 'off',
    },
  },
  {
    files: ['main/**/*.ts'],
    ignores: ['main/index.ts', 'main/ipc.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'Only main/index.ts and main/ipc.ts may import electron.' }] },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'The renderer talks to the back end only through preload/api.ts.' },
          ],
          patterns: [
            { group: ['node:*'], message: 'No Node built-ins in the renderer.' },
            {
              group: ['**/main/**', '../main/*', '../../main/*'],
              message: 'The renderer never imports main/.',
            },
          ],
        },
      ],
    },
  },
);
