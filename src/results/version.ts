/**
 * The version every `--json` result carries. It lives apart from the result schemas (schemas.ts)
 * so that printing a result does not build them: constructing those zod schemas cost about a third
 * of a second at every process start, for the JSON Schema files and the tests that use them only.
 */

/** Bumped only for a change that is not an addition (a field removed, renamed or retyped). */
export const RESULT_SCHEMA_VERSION = 1;
