// Regenerates the catalogue section of docs/audit-checks.md from src/assess/checks/.
// Usage: npx tsx scripts/write-audit-checks-doc.ts   (test/assess/catalogue-doc.test.ts checks it is current)
import { readFileSync, writeFileSync } from 'node:fs';
import { CHECKS } from '../src/assess/checks/index.ts';
import { renderCatalogue, withCatalogue } from '../src/assess/catalogue-doc.ts';

const path = new URL('../docs/audit-checks.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = withCatalogue(before, renderCatalogue(CHECKS));
if (after === before) console.log('docs/audit-checks.md is up to date');
else {
  writeFileSync(path, after);
  console.log(`docs/audit-checks.md: catalogue of ${CHECKS.length} checks rewritten`);
}
