"""Village names as rosters write them -> our village codes. Pure: the regency's villages in.

Village offices write `Pagar Dewa`, `DESA PAGAR DEWA`, `Ds. Pagardewa` or `Kel. Pasar II`, and
fourteen names of Muara Enim exist in two kecamatan, so a name is compared without case, spacing,
punctuation and the Desa/Kelurahan prefixes, and a name found twice is settled by the kecamatan.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

_VILLAGE_PREFIX = re.compile(r"^\s*(desa|ds|kelurahan|kel|kelurahaan)\b\.?\s*", re.IGNORECASE)
_DISTRICT_PREFIX = re.compile(r"^\s*(kecamatan|kec)\b\.?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Village:
    code: str  # 16.03.01.2011
    name: str
    district_code: str  # 16.03.01
    district_name: str


class Unresolved(ValueError):
    """field ("village_code" or "district"), code and an Indonesian message an operator can act on."""

    def __init__(self, field_name: str, code: str, message: str):
        super().__init__(message)
        self.field, self.code, self.message = field_name, code, message


def name_key(text: str, prefix: re.Pattern = _VILLAGE_PREFIX) -> str:
    return re.sub(r"[^a-z0-9]+", "", prefix.sub("", str(text)).lower())


def dotted_code(text: str) -> str:
    """`1603172008` or `16.03.17.2008` -> `16.03.17.2008`; anything else as typed."""
    digits = re.sub(r"[\s.\-]", "", text)
    if re.fullmatch(r"\d{10}", digits):
        return f"{digits[0:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:10]}"
    if re.fullmatch(r"\d{6}", digits):
        return f"{digits[0:2]}.{digits[2:4]}.{digits[4:6]}"
    return text.strip()


class VillageIndex:
    def __init__(self, villages: Iterable[Village]):
        self.by_code: dict[str, Village] = {}
        self._by_name: dict[str, list[Village]] = {}
        self.districts: dict[str, str] = {}
        self._district_by_name: dict[str, str] = {}
        for v in villages:
            self.by_code[v.code] = v
            self._by_name.setdefault(name_key(v.name), []).append(v)
            self.districts[v.district_code] = v.district_name
            self._district_by_name[name_key(v.district_name, _DISTRICT_PREFIX)] = v.district_code

    def district(self, text: str) -> str:
        """A kecamatan by name (`Kec. Tanjung Agung`) or code (`16.03.01`, `160301`)."""
        code = dotted_code(text)
        if code in self.districts:
            return code
        found = self._district_by_name.get(name_key(text, _DISTRICT_PREFIX))
        if found:
            return found
        close = self._closest(name_key(text, _DISTRICT_PREFIX), {k: self.districts[c] for k, c in
                                                                self._district_by_name.items()})
        raise Unresolved("district", "DISTRICT_UNKNOWN",
                         f"Kecamatan '{text}' tidak dikenal di kabupaten ini" + (f"; yang mirip: {close}" if close
                                                                                  else ""))

    def village(self, code_text: str | None, name_text: str | None, district_code: str | None) -> Village:
        """By code when there is one, else by name within the kecamatan (when known)."""
        if code_text:
            found = self.by_code.get(dotted_code(code_text))
            if found is None:
                raise Unresolved("village_code", "VILLAGE_UNKNOWN", "Kode desa tidak dikenal di kabupaten ini")
            if district_code and found.district_code != district_code:
                raise Unresolved("village_code", "VILLAGE_UNKNOWN",
                                 f"Kode desa {found.code} ({found.name}) tidak ada di Kecamatan "
                                 f"{self.districts[district_code]}")
            return found
        if not name_text:
            raise Unresolved("village_code", "REQUIRED", "Desa wajib diisi (nama desa/kelurahan atau kode desa)")
        matches = self._by_name.get(name_key(name_text), [])
        if district_code:
            matches = [v for v in matches if v.district_code == district_code]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            where = " dan ".join(f"Kecamatan {v.district_name}" for v in matches)
            raise Unresolved("village_code", "VILLAGE_AMBIGUOUS",
                             f"Desa '{name_text}' ada di {where}; isi kolom Kecamatan atau pakai kode desa")
        pool = [v for v in self.by_code.values() if not district_code or v.district_code == district_code]
        close = self._closest(name_key(name_text), {name_key(v.name): v.name for v in pool})
        scope = f"Kecamatan {self.districts[district_code]}" if district_code else "kabupaten ini"
        raise Unresolved("village_code", "VILLAGE_UNKNOWN",
                         f"Desa '{name_text}' tidak ada di {scope}" + (f"; yang mirip: {close}" if close else ""))

    @staticmethod
    def _closest(key: str, names: dict[str, str]) -> str:
        """The three closest names, so a typo is one glance away from its fix."""
        if not key or not names:
            return ""
        ranked = sorted(names, key=lambda k: (-difflib.SequenceMatcher(None, key, k).ratio(), k))
        return ", ".join(names[k] for k in ranked[:3])
