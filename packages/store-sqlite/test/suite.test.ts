import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { storeConformanceSuite } from '@mcpgate/store-test-suite';
import { sqliteStore } from '@mcpgate/store-sqlite';

const dir = mkdtempSync(join(tmpdir(), 'mcpgate-sqlite-suite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

storeConformanceSuite({ describe, it }, {
  name: 'sqlite',
  create: ({ keyPrefix }) => sqliteStore({ uri: `sqlite://${join(dir, 'suite.sqlite')}`, keyPrefix }),
  unreachable: () => sqliteStore('sqlite:///dev/null/cannot/exist.sqlite'),
});
