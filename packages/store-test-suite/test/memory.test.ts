import { memoryStore } from '@mcpgate/core';
import { storeConformanceSuite } from '@mcpgate/store-test-suite';

storeConformanceSuite('memory', () => memoryStore(), { sharedBackend: false });
