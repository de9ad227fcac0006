// Quoted in packages/store-test-suite/README.md (it stands for packages/store-foo/test/suite.test.ts of a
// store package of your own; ../src/index.ts is its stand-in). The region is the README's code block,
// character for character: test/docs.test.ts type-checks this file and fails when the two differ. Edit
// both together. Named suite.ts, not suite.test.ts: it is never run.

// #region store-test-suite
// packages/store-foo/test/suite.test.ts
import { describe, it } from 'vitest';
import { storeConformanceSuite } from '@mcpgate/store-test-suite';
import { fooStore } from '../src/index.js';

storeConformanceSuite({ describe, it }, {
  name: 'foo',
  create: ({ keyPrefix }) => fooStore({ uri: process.env.FOO_URL, keyPrefix }),
  unreachable: () => fooStore({ uri: 'foo://127.0.0.1:1' }),
});
// #endregion store-test-suite
