// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** Layering from ARCHITECTURE.md: a folder may not import from the folders listed for it. */
const upper = ['approvals', 'policy', 'lifecycle', 'inventory', 'assess', 'report'];
const layers = {
  'src/core/**': ['crypto', 'storage', 'seal', 'audit', 'keys', 'auth', ...upper, 'engine', 'server', 'cli', 'sdk'],
  'src/crypto/**': ['storage', 'seal', 'audit', 'keys', 'auth', ...upper, 'engine', 'server', 'cli', 'sdk'],
  'src/storage/**': ['seal', 'audit', 'keys', 'auth', ...upper, 'engine', 'server', 'cli', 'sdk'],
  'src/seal/**': ['audit', 'keys', 'auth', ...upper, 'engine', 'server', 'cli', 'sdk'],
  'src/audit/**': ['seal', 'keys', 'auth', ...upper, 'engine', 'server', 'cli', 'sdk'],
  'src/keys/**': ['auth', ...upper, 'engine', 'server', 'cli', 'sdk'],
  'src/auth/**': ['keys', ...upper, 'engine', 'server', 'cli', 'sdk'],
  // The domains above keys/auth may use each other's types but never the engine, server or CLI;
  // report/ renders what assess/ produces and nothing else.
  ...Object.fromEntries(upper.map((f) => [`src/${f}/**`, ['engine', 'server', 'cli', 'sdk']])),
  'src/engine/**': ['server', 'cli', 'sdk'],
  'src/server/**': ['cli', 'sdk'],
};

/** Only storage/ speaks SQL drivers; only server/ speaks HTTP frameworks. */
const drivers = ['better-sqlite3', 'pg'];
const http = ['fastify', '@fastify/*'];

function restrict(folders, extra) {
  return {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...folders.map((f) => ({ group: [`**/${f}/*`, `**/${f}.ts`], message: `layering: this folder may not import ${f}/ (see ARCHITECTURE.md)` })),
          ...extra.map((p) => ({ group: [p], message: 'layering: only the owning folder may import this driver/framework' })),
        ],
      },
    ],
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'web/dist/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { globals: { ...globals.node }, parserOptions: { projectService: { allowDefaultProject: ['*.js', 'scripts/*.mjs'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      'no-console': 'off',
    },
  },
  ...Object.entries(layers).map(([files, banned]) => ({
    files: [files],
    rules: restrict(banned, files.startsWith('src/storage') ? http : files.startsWith('src/server') ? drivers : [...drivers, ...http]),
  })),
  {
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-floating-promises': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
);
