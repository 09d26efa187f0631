// Setup file of every vitest project (vitest.config.ts): each test file's tempDir() folders go when it ends.
import { afterAll } from 'vitest';

import { removeTempDirs } from './tempDir.ts';

afterAll(() => {
  removeTempDirs();
});
