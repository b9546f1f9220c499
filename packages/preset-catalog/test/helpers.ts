import { join } from "node:path";

/** The repository root, for tests that read presets/ (the package itself never does file I/O). */
export const READ_ROOT_FOR_TESTS = join(import.meta.dirname, "..", "..", "..");
