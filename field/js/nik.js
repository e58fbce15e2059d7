// NIK rules of chalicelib/domain/nik.py, on the phone: the same codes and the same Indonesian
// reasons, so an officer hears offline what the server would say. Both are tested against
// tests/data/nik_cases.json (tests/unit/test_nik_cases.py, tests/js/nik.test.mjs).
export const PROVINCES = new Set(('11 12 13 14 15 16 17 18 19 21 31 32 33 34 35 36 51 52 53 61 62 63 64 65 ' +
  '71 72 73 74 75 76 81 82 91 92 93 94 95 96').split(' '));
const OLDEST_AGE = 120;

export class NikError extends Error {
  constructor(code, message) { super(message); this.code = code; }
}

/** Strip the separators people type ("1603 0112 ..." or "1603.01.120..."). */
export const normalise = (raw) => (raw || '').replace(/[\s.-]/g, '');

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** today: 'YYYY-MM-DD' (WIB). Returns {value, province, regency_code, district_code, birth_date, sex, serial}. */
export function parse(raw, today) {
  const value = normalise(raw);
  if (!/^[0-9]{16}$/.test(value)) throw new NikError('NIK_FORMAT', 'NIK harus terdiri dari 16 digit angka');
  const province = value.slice(0, 2); const regency = value.slice(2, 4); const district = value.slice(4, 6);
  if (!PROVINCES.has(province)) throw new NikError('NIK_PROVINCE', `Kode provinsi ${province} pada NIK tidak dikenal`);
  if (regency === '00' || district === '00') throw new NikError('NIK_REGION', 'Kode kabupaten/kecamatan pada NIK tidak boleh 00');
  let day = Number(value.slice(6, 8)); const month = Number(value.slice(8, 10)); const yy = Number(value.slice(10, 12));
  const sex = day > 40 ? 'P' : 'L';
  if (day > 40) day -= 40;
  const birth = birthDate(day, month, yy, today);
  if (value.slice(12, 16) === '0000') throw new NikError('NIK_SERIAL', 'Nomor urut NIK tidak boleh 0000');
  return { value, province, regency_code: `${province}.${regency}`, district_code: `${province}.${regency}.${district}`,
    birth_date: birth, sex, serial: value.slice(12, 16) };
}

function birthDate(day, month, yy, today) {
  const todayYear = Number(today.slice(0, 4));
  const year = (2000 + yy <= todayYear ? 2000 : 1900) + yy;
  const d = new Date(Date.UTC(year, month - 1, day));
  if (month < 1 || month > 12 || day < 1 || d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) {
    throw new NikError('NIK_DATE', 'Tanggal lahir pada NIK tidak valid');
  }
  const iso = `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
  if (iso > today || todayYear - year > OLDEST_AGE) throw new NikError('NIK_DATE', 'Tanggal lahir pada NIK tidak masuk akal');
  return iso;
}

/** The NIK against the stated birth date and sex: field -> reason (empty when they agree). */
export function checkConsistency(nik, birthDate, sex) {
  const problems = {};
  if (sex && sex !== nik.sex) problems.sex = 'Jenis kelamin tidak cocok dengan NIK (tanggal lahir perempuan pada NIK ditambah 40)';
  if (birthDate && birthDate !== nik.birth_date) problems.birth_date = `Tanggal lahir tidak cocok dengan NIK (${nik.birth_date})`;
  return problems;
}

/** The date in Asia/Jakarta (UTC+7, no daylight saving), as the server judges birth dates. */
export const todayWib = (now = Date.now()) => new Date(now + 7 * 3600 * 1000).toISOString().slice(0, 10);

/** What the server's check_person says for these values: {code, message, fields} or null. */
export function personProblems(raw, birthDate, sex, today = todayWib()) {
  let nik;
  try { nik = parse(raw, today); } catch (e) {
    if (e instanceof NikError) return { code: 'NIK_INVALID', message: e.message, fields: { nik: e.message } };
    throw e;
  }
  const fields = checkConsistency(nik, birthDate, sex);
  return Object.keys(fields).length ? { code: 'NIK_MISMATCH', message: 'NIK tidak cocok dengan data diri', fields } : null;
}
