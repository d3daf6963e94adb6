/** The SQLite source lives in ./sqlite/; this module is the name the source registry loads. */
export { SqliteSource } from './sqlite/source.js';
