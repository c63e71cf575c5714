import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseImport } from '../../src/inventory/import/parse-import.ts';
import { parseDate, parseRotationPeriod } from '../../src/inventory/import/cell-values.ts';
import { throwsWith } from '../engine/helpers.ts';

const SHEET = [
  'Key Name,TYPE,purpose,Owner_Email,Environment,Stored In,Created,Last Rotated,Rotation Period,Tier,Secret Value',
  'billing-dek,AES key,card data,alice@example.com,Production,AWS eu-west-1,2023-01-15,15/03/2024,90 days,1,hunter2',
  'github-deploy,API Key,CI deploys,bob@example.com,ci,GitHub,"Mar 5, 2022",,never,tier 2,',
  'legacy-signing,RSA,signing invoices,,staging,HSM rack 2,05.06.2021,2024-06-01T10:00:00+02:00,1y,3,',
].join('\n');

describe('inventory import: CSV', () => {
  it('matches headers tolerantly and reads the common date and period forms', () => {
    const parsed = parseImport(SHEET, 'csv');
    assert.deepEqual(parsed.rejected, []);
    assert.equal(parsed.rows, 3);
    const [billing, github, legacy] = parsed.drafts.map((d) => d.draft);
    assert.ok(billing && github && legacy);
    assert.equal(billing.name, 'billing-dek');
    assert.equal(billing.type, 'symmetric');
    assert.equal(billing.owner, 'alice@example.com');
    assert.equal(billing.environment, 'prod');
    assert.equal(billing.location, 'AWS eu-west-1');
    assert.equal(billing.createdAt, '2023-01-15T00:00:00.000Z');
    assert.equal(billing.lastRotatedAt, '2024-03-15T00:00:00.000Z', '15/03 can only be day first');
    assert.deepEqual(billing.rotation, { enabled: true, periodDays: 90 });
    assert.equal(billing.tier, 1);
    assert.equal(github.type, 'api-token');
    assert.equal(github.createdAt, '2022-03-05T00:00:00.000Z');
    assert.equal(github.lastRotatedAt, null);
    assert.deepEqual(github.rotation, { enabled: false, periodDays: null });
    assert.equal(github.tier, 2);
    assert.equal(legacy.type, 'asymmetric');
    assert.equal(legacy.owner, null);
    assert.equal(legacy.createdAt, '2021-06-05T00:00:00.000Z', 'dotted dates are day first');
    assert.equal(legacy.lastRotatedAt, '2024-06-01T08:00:00.000Z');
    assert.deepEqual(legacy.rotation, { enabled: true, periodDays: 365 });
  });

  it('never reads a column that looks like secret values, and says so', () => {
    const parsed = parseImport(SHEET, 'csv');
    assert.deepEqual(parsed.secretColumns, ['Secret Value']);
    assert.ok(!JSON.stringify(parsed.drafts).includes('hunter2'));
  });

  it('rejects bad rows with their line number and reason, and imports the rest', () => {
    const text = [
      'name,type,created,state,size',
      'ok-1,symmetric,2024-01-01,active,256',
      'bad-type,spaceship,2024-01-01,active,',
      ',symmetric,2024-01-01,,',
      'bad-date,hmac,2024-02-30,,',
      '"multi',
      'line name",password,2024-01-02,,',
      'bad-state,secret,,exploded,',
      'bad-size,secret,,,huge',
      'ok-2,certificate,,expired,',
      'ok-1,symmetric,,,',
      'shifted,secret,2024-01-01,active,256,extra',
    ].join('\n');
    const parsed = parseImport(text, 'csv');
    assert.deepEqual(
      parsed.drafts.map((d) => [d.line, d.draft.name]),
      [
        [2, 'ok-1'],
        [6, 'multi line name'],
        [10, 'ok-2'],
      ],
    );
    const byLine = Object.fromEntries(parsed.rejected.map((r) => [r.line, r.reason]));
    assert.deepEqual(Object.keys(byLine).map(Number), [3, 4, 5, 8, 9, 11, 12]);
    assert.match(byLine[3] ?? '', /unknown type "spaceship"/);
    assert.match(byLine[4] ?? '', /name is empty/);
    assert.match(byLine[5] ?? '', /created: "2024-02-30" is not a valid date/);
    assert.match(byLine[8] ?? '', /unknown state "exploded"/);
    assert.match(byLine[9] ?? '', /size "huge"/);
    assert.match(byLine[11] ?? '', /duplicate of line 2/);
    assert.match(byLine[12] ?? '', /6 cells but 5 headers/);
    assert.deepEqual(parsed.rejectedIdentities.find((i) => i.name === 'bad-date'), { name: 'bad-date', externalId: null });
  });

  it('refuses an ambiguous day/month date unless told the order', () => {
    const text = 'name,type,created\nk,secret,03/04/2024\n';
    const refused = parseImport(text, 'csv');
    assert.equal(refused.drafts.length, 0);
    assert.match(refused.rejected[0]?.reason ?? '', /day\/month or month\/day/);
    assert.equal(parseImport(text, 'csv', { dateOrder: 'dmy' }).drafts[0]?.draft.createdAt, '2024-04-03T00:00:00.000Z');
    assert.equal(parseImport(text, 'csv', { dateOrder: 'mdy' }).drafts[0]?.draft.createdAt, '2024-03-04T00:00:00.000Z');
  });

  it('reads Excel exports: BOM, CRLF and semicolons', () => {
    const text = '\uFEFFName;Type;Owner\r\n"a;b";hmac;carol\r\n\r\nc;password;dave\r\n';
    const parsed = parseImport(text, 'csv');
    assert.deepEqual(
      parsed.drafts.map((d) => [d.line, d.draft.name, d.draft.type, d.draft.owner]),
      [
        [2, 'a;b', 'hmac', 'carol'],
        [4, 'c', 'password', 'dave'],
      ],
    );
  });

  it('reports a quote that is never closed at its line', () => {
    const parsed = parseImport('name,type\nfine,secret\n"broken,secret\nlost,secret\n', 'csv');
    assert.deepEqual(parsed.drafts.map((d) => d.draft.name), ['fine']);
    assert.equal(parsed.rejected[0]?.line, 3);
    assert.match(parsed.rejected[0]?.reason ?? '', /never closed/);
  });

  it('takes the type from the algorithm when there is no type column, and the size from the algorithm', () => {
    const parsed = parseImport('name,algorithm\nk1,AES-256-GCM\nk2,RSA_3072\nk3,mystery\n', 'csv');
    assert.deepEqual(parsed.drafts.map((d) => [d.draft.name, d.draft.type, d.draft.sizeBits]), [
      ['k1', 'symmetric', 256],
      ['k2', 'asymmetric', 3072],
    ]);
    assert.match(parsed.rejected[0]?.reason ?? '', /no type/);
  });

  it('reads tags, and owner or environment from tags when there is no column', () => {
    const parsed = parseImport('name,type,tags\nk,secret,"owner=erin; env=production; cost-center=42"\n', 'csv');
    const draft = parsed.drafts[0]?.draft;
    assert.deepEqual(draft?.tags, { 'cost-center': '42', env: 'production', owner: 'erin' });
    assert.equal(draft?.owner, 'erin');
    assert.equal(draft?.environment, 'prod');
  });

  it('refuses a file without a name column, naming the headers it saw', () => {
    const err = throwsWith(() => parseImport('key id,type\n1,secret\n', 'csv'), 'validation_failed');
    assert.match(err.message, /no name column \(headers: key id, type\)/);
  });
});

describe('inventory import: JSON', () => {
  it('reads a list or {items}, reporting bad elements at the line they start on', () => {
    const text = `{
  "items": [
    { "name": "a", "type": "symmetric", "lastRotated": "2024-05-01", "rotation": { "enabled": true, "periodDays": 30 } },
    {
      "name": "b",
      "type": "nonsense"
    },
    "not an object",
    { "Name": "c", "Key Type": "certificate", "tags": { "team": "web" }, "expires": "2027-01-01" }
  ]
}`;
    const parsed = parseImport(text, 'json');
    assert.deepEqual(parsed.drafts.map((d) => [d.line, d.draft.name]), [
      [3, 'a'],
      [9, 'c'],
    ]);
    assert.deepEqual(parsed.drafts[0]?.draft.rotation, { enabled: true, periodDays: 30 });
    assert.equal(parsed.drafts[1]?.draft.team, 'web');
    assert.equal(parsed.drafts[1]?.draft.expiresAt, '2027-01-01T00:00:00.000Z');
    assert.deepEqual(parsed.rejected.map((r) => r.line), [4, 8]);
    assert.match(parsed.rejected[1]?.reason ?? '', /must be an object/);
  });

  it('reports JSON that does not parse with the line of the error', () => {
    const err = throwsWith(() => parseImport('[\n  {"name": "a"},\n  {"name": }\n]', 'json'), 'validation_failed');
    assert.match(err.message, /^line 3: not valid JSON/);
  });
});

describe('inventory import: cell values', () => {
  it('reads ISO, named-month and two-digit-year dates, and refuses impossible ones', () => {
    assert.deepEqual(parseDate('2024-02-29'), { ok: true, value: '2024-02-29T00:00:00.000Z' });
    assert.deepEqual(parseDate('2024-03-01 13:45'), { ok: true, value: '2024-03-01T13:45:00.000Z' });
    assert.deepEqual(parseDate('1 February 2025'), { ok: true, value: '2025-02-01T00:00:00.000Z' });
    assert.deepEqual(parseDate('31/12/99'), { ok: true, value: '1999-12-31T00:00:00.000Z' });
    assert.deepEqual(parseDate('2023-11'), { ok: true, value: '2023-11-01T00:00:00.000Z' });
    assert.equal(parseDate('2023-02-29').ok, false);
    assert.equal(parseDate('yesterday').ok, false);
    assert.equal(parseDate('13/13/2024').ok, false);
  });

  it('reads rotation periods in days, units, ISO 8601 and words', () => {
    const days = (t: string): number | null | string => {
      const p = parseRotationPeriod(t);
      return p.ok ? p.value : 'error';
    };
    assert.equal(days('90'), 90);
    assert.equal(days('6 months'), 180);
    assert.equal(days('P1Y'), 365);
    assert.equal(days('P2W'), 14);
    assert.equal(days('2160h'), 90);
    assert.equal(days('Quarterly'), 90);
    assert.equal(days('manual'), null);
    assert.equal(days('0.1h'), 'error');
    assert.equal(days('soon'), 'error');
  });
});
