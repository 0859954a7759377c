import { afterAll } from 'vitest';
import { removeEvidenceFolders } from '../../src/evidence-store.ts';

// Tests that run a check without writing its report leave its evidence store undisposed; its folder goes here.
afterAll(removeEvidenceFolders);
