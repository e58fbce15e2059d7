"""Key formats of the main table, in one place (see the model docstrings and infra/README.md)."""

from __future__ import annotations


def regency(r: str) -> str:
    return f"R#{r}"


def programme(r: str) -> tuple[str, str]:
    return regency(r), "PROG#"


def programme_code(r: str, code: str) -> str:
    return f"R#{r}#PCODE#{code}"


def worker(r: str, nik: str) -> str:
    return f"R#{r}#W#{nik}"


def enrolment(r: str, eid: str) -> str:
    return f"R#{r}#E#{eid}"


def unique_enrolment(r: str, pid: str, nik: str) -> str:
    return f"R#{r}#P#{pid}#N#{nik}"


def prog(r: str, pid: str) -> str:
    return f"R#{r}#P#{pid}"


def prog_part(r: str, pid: str, kind: str, value: str) -> str:
    return f"R#{r}#P#{pid}#{kind}#{value}"


def coverage_end(r: str, day: str) -> str:
    return f"R#{r}#END#{day}"


def village_changes(r: str, village: str) -> str:
    return f"R#{r}#V#{village}"


def audit(r: str, entity_type: str, entity_id: str) -> str:
    return f"R#{r}#AUDIT#{entity_type}#{entity_id}"


def import_job(r: str, import_id: str) -> str:
    return f"R#{r}#IMPORT#{import_id}"


def summary(r: str, pid: str) -> str:
    return f"R#{r}#P#{pid}#SUMMARY"
