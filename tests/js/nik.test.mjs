// node --test tests/js: the phone's NIK validator against the table the server's is tested with.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { NikError, checkConsistency, parse, personProblems } from '../../field/js/nik.js';

const cases = JSON.parse(readFileSync(new URL('../data/nik_cases.json', import.meta.url), 'utf8'));

for (const c of cases.parse) {
  test(`parse ${JSON.stringify(c.nik)}`, () => {
    if (c.ok) {
      const n = parse(c.nik, cases.today);
      assert.deepEqual([n.value, n.sex, n.birth_date, n.regency_code, n.district_code],
        [c.value, c.sex, c.birth_date, c.regency_code, c.district_code]);
    } else {
      assert.throws(() => parse(c.nik, cases.today), (e) => e instanceof NikError && e.code === c.code && e.message === c.message);
    }
  });
}

for (const c of cases.consistency) {
  test(`consistency ${c.nik} ${c.birth_date} ${c.sex}`, () => {
    assert.deepEqual(checkConsistency(parse(c.nik, cases.today), c.birth_date, c.sex), c.problems);
  });
}

test('personProblems answers in the shape of the API error (NIK_INVALID on the nik field)', () => {
  const bad = cases.parse.find((c) => !c.ok && c.code === 'NIK_DATE');
  assert.deepEqual(personProblems(bad.nik, null, null, cases.today), { code: 'NIK_INVALID', message: bad.message, fields: { nik: bad.message } });
  assert.equal(personProblems('1603015708900001', '1990-08-17', 'P', cases.today), null);
});
