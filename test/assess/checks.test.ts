import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SECTION_LABELS } from '../../src/assess/check.ts';
import { CHECKS } from '../../src/assess/checks/index.ts';
import type { AssessmentInput } from '../../src/assess/input.ts';
import { SEVERITIES } from '../../src/assess/model.ts';
import { evaluateCheck } from '../../src/assess/run.ts';
import { accessCases } from './cases/access-cases.ts';
import type { CheckCase } from './cases/check-case.ts';
import { inventoryCases } from './cases/inventory-cases.ts';
import { lifecycleCases } from './cases/lifecycle-cases.ts';
import { otherCases } from './cases/other-cases.ts';
import { rotationCases } from './cases/rotation-cases.ts';
import { snapshot } from './fixtures.ts';

const CASES: readonly CheckCase[] = [...inventoryCases, ...rotationCases, ...lifecycleCases, ...accessCases, ...otherCases];

function checkById(id: string): (typeof CHECKS)[number] {
  const check = CHECKS.find((c) => c.info.id === id);
  assert.ok(check, `no check ${id} in the catalogue`);
  return check;
}

describe('the check catalogue', () => {
  it('has at least 30 checks with unique ids, each fully described', () => {
    assert.ok(CHECKS.length >= 30, `${CHECKS.length} checks`);
    const ids = CHECKS.map((c) => c.info.id);
    assert.equal(new Set(ids).size, ids.length, 'ids are unique');
    for (const { info, needs } of CHECKS) {
      assert.match(info.id, /^(INV|ROT|LIF|ACC|STO|ALG|LOG|BAK|ANO|GOV)-\d{2}$/, info.id);
      for (const field of [info.title, info.detects, info.remediation]) assert.ok(field.length > 10, `${info.id} text`);
      assert.ok(SEVERITIES.includes(info.severity), info.id);
      assert.ok(info.refs.length >= 2, `${info.id} cites at least two controls`);
      assert.ok(needs.length > 0, `${info.id} needs some data`);
    }
  });

  it('cites every framework the issue asks for somewhere', () => {
    const cited = new Set(CHECKS.flatMap((c) => c.info.refs.map((r) => r.framework)));
    for (const f of ['NIST SP 800-57', 'PCI DSS 4.0', 'ISO/IEC 27001:2022', 'SOC 2', 'HIPAA'] as const) assert.ok(cited.has(f), f);
    const pci = new Set(CHECKS.flatMap((c) => c.info.refs.filter((r) => r.framework === 'PCI DSS 4.0').map((r) => r.control)));
    assert.ok([...pci].some((c) => c.startsWith('3.6')) && [...pci].some((c) => c.startsWith('3.7')), 'PCI DSS 3.6.x and 3.7.x');
    assert.ok(CHECKS.some((c) => c.info.refs.some((r) => r.control === 'A.8.24')), 'ISO A.8.24');
    assert.ok(CHECKS.some((c) => c.info.refs.some((r) => r.control === 'CC6.1')), 'SOC 2 CC6.1');
    assert.ok(CHECKS.some((c) => c.info.refs.some((r) => r.control.startsWith('§164.312'))), 'HIPAA §164.312');
  });

  it('has a fire case and a quiet case for every check', () => {
    const covered = new Set(CASES.map((c) => c.id));
    assert.deepEqual(CHECKS.map((c) => c.info.id).filter((id) => !covered.has(id)), []);
    assert.equal(covered.size, CASES.length, 'one case per check');
  });

  it('reports every check not-assessed on a snapshot without data, with the reason', () => {
    for (const check of CHECKS) {
      const result = evaluateCheck(check, snapshot());
      assert.equal(result.status, 'not-assessed', check.info.id);
      assert.match(result.reason ?? '', /^no .+ in this deployment$/, check.info.id);
      assert.equal(result.findings.length, 0);
    }
  });
});

for (const c of CASES) {
  describe(`${c.id} ${checkById(c.id).info.title}`, () => {
    const check = checkById(c.id);

    it('fires on the problem, with the expected findings', () => {
      const result = evaluateCheck(check, c.fires);
      assert.equal(result.status, 'failed', `${c.id}: ${result.reason ?? ''}`);
      assert.deepEqual(result.findings.map((f) => f.fingerprint), [...c.fingerprints].sort());
      for (const f of result.findings) {
        assert.equal(f.checkId, c.id);
        assert.equal(f.title, check.info.title);
        assert.ok(f.message.length > 0);
      }
      (c.messages ?? []).forEach((words, i) => assert.ok(result.findings[i]?.message.includes(words), `${c.id} finding ${i}: "${result.findings[i]?.message}" should contain "${words}"`));
    });

    it('stays quiet when the data is fine', () => {
      const result = evaluateCheck(check, c.quiet);
      assert.equal(result.status, 'passed', `${c.id}: ${result.findings.map((f) => f.message).join('; ')}${result.reason ?? ''}`);
      assert.ok(result.examined > 0, `${c.id} examined something`);
    });

    it('is not assessed when a section it needs is missing', () => {
      for (const section of check.needs) {
        const without: AssessmentInput = { ...c.fires, [section]: undefined };
        const result = evaluateCheck(check, without);
        assert.equal(result.status, 'not-assessed', `${c.id} without ${section}`);
        assert.ok(result.reason?.includes(SECTION_LABELS[section]), `${c.id}: ${result.reason ?? ''}`);
      }
    });

    it('gives the same findings when run twice (pure, deterministic)', () => {
      assert.deepEqual(evaluateCheck(check, c.fires), evaluateCheck(check, c.fires));
    });
  });
}
