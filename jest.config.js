/** Jest in ESM mode over the TypeScript sources (ts-jest transpiles; `npm run typecheck` checks types). */
export default {
  testEnvironment: '<rootDir>/test/env/node-typed-arrays.cjs',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {'^(\\.{1,2}/.*)\\.js$': '$1'},
  transform: {
    '^.+\\.ts$': ['ts-jest', {useESM: true, tsconfig: 'tsconfig.json'}],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 60_000,
  maxWorkers: 2,
}
