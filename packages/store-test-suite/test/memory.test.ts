import { describe, it } from 'vitest';
import { memoryStore } from '@mcpgate/core';
import { storeConformanceSuite } from '@mcpgate/store-test-suite';

// One process, one map per instance: nothing is shared, so the cross-instance checks are skipped.
storeConformanceSuite({ describe, it }, { name: 'memory', create: () => memoryStore(), sharedBackend: false });
