import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../../src/cli/duration.ts';
import { integerIn } from '../../src/cli/integer-arg.ts';
import { collectPair, collectString } from '../../src/cli/key-value-pairs.ts';
import { formatFields, formatTable } from '../../src/cli/table.ts';

describe('parseDuration', () => {
  it('reads seconds, units and sums of units', () => {
    assert.deepEqual(['3600', '90s', '30m', '8h', '7d', '2w', '1h30m'].map(parseDuration), [3600, 90, 1800, 28_800, 604_800, 1_209_600, 5400]);
  });
  it('refuses anything else, and zero', () => {
    for (const text of ['', 'soon', '1.5h', '-1', '1y', 'h1', '0', '0s']) assert.throws(() => parseDuration(text), InvalidArgumentError, text);
  });
});

describe('collectPair', () => {
  it('collects repeated key=value pairs; values may be empty or hold "="', () => {
    const pairs = ['tenant=acme', 'note=a=b', 'empty='].reduce<Record<string, string> | undefined>((acc, text) => collectPair(text, acc), undefined);
    assert.deepEqual(pairs, { tenant: 'acme', note: 'a=b', empty: '' });
  });
  it('refuses a missing key, a missing "=", and a repeated key, without echoing the value', () => {
    assert.throws(() => collectPair('=secret', undefined), /expected key=value/);
    assert.throws(() => collectPair('secret', undefined), (err: Error) => err instanceof InvalidArgumentError && !err.message.includes('secret'));
    assert.throws(() => collectPair('a=secret', { a: 'x' }), (err: Error) => /"a" is given twice/.test(err.message) && !err.message.includes('secret'));
  });
  it('collects plain strings', () => {
    assert.deepEqual(collectString('b', collectString('a', undefined)), ['a', 'b']);
  });
});

describe('integerIn', () => {
  it('takes whole numbers in range only', () => {
    assert.equal(integerIn(1, 3)('2'), 2);
    for (const text of ['0', '4', '1.0', '-1', 'x', '']) assert.throws(() => integerIn(1, 3)(text), /from 1 to 3/, text);
    assert.throws(() => integerIn(1)('0'), /at least 1/);
  });
});

describe('formatTable and formatFields', () => {
  it('aligns columns, shows null as "-", and leaves no trailing spaces', () => {
    const rows = [{ name: 'billing', tier: 1, owner: null }, { name: 'x', tier: null, owner: 'team' }];
    const text = formatTable([{ header: 'name', cell: (r) => r.name }, { header: 'tier', cell: (r) => r.tier }, { header: 'owner', cell: (r) => r.owner }], rows);
    assert.equal(text, 'NAME     TIER  OWNER\nbilling  1     -\nx        -     team\n');
  });
  it('keeps one value on one line', () => {
    assert.equal(formatFields([['Name', 'a\nb'], ['Renewable', true], ['Owner', '']]), 'Name:       a b\nRenewable:  yes\nOwner:      -\n');
  });
});
