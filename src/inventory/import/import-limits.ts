/** What an import accepts; a module of its own so the CLI can check sizes without loading the parser. */
export const IMPORT_FORMATS = ['csv', 'json'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** 4 MiB of text: a spreadsheet of tens of thousands of keys; more belongs in a connector. */
export const MAX_IMPORT_BYTES = 4 * 1024 * 1024;
/** Rows per import, bounding the one transaction that stores them. */
export const MAX_IMPORT_ROWS = 50_000;
/** Rejected rows listed in full; beyond this only counted, so a wrong file cannot make a huge answer. */
export const MAX_REPORTED_ERRORS = 200;
