import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CATALOGUE_BEGIN, CATALOGUE_END, renderCatalogue, withCatalogue } from '../../src/assess/catalogue-doc.ts';
import { CHECKS } from '../../src/assess/checks/index.ts';

const doc = readFileSync(new URL('../../docs/audit-checks.md', import.meta.url), 'utf8');

describe('docs/audit-checks.md', () => {
  it('holds the catalogue exactly as the checks describe themselves (run `npx tsx scripts/write-audit-checks-doc.ts`)', () => {
    assert.ok(doc.includes(CATALOGUE_BEGIN) && doc.includes(CATALOGUE_END), 'markers present');
    assert.equal(doc, withCatalogue(doc, renderCatalogue(CHECKS)));
  });

  it('has a section for every check', () => {
    for (const c of CHECKS) assert.ok(doc.includes(`### ${c.info.id}: ${c.info.title}`), c.info.id);
  });

  it('documents every default threshold it names', () => {
    for (const name of ['orphanDays', 'checkpointHours', 'accessReviewDays', 'backupDays', 'drillDays', 'compromisedGraceHours', 'staleVersionDays']) assert.ok(doc.includes(`\`${name}\``), name);
  });
});
