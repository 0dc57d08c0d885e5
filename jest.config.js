/** Tests run against the real kernel, as root, inside namespaces they make. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  moduleNameMapper: { '^vnic$': '<rootDir>/lib/index.ts' },
  testTimeout: 60000,
  // Namespaced tests share the kernel's rtnl lock; two workers keep them honest without starving it.
  maxWorkers: 2,
};
