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


def changes_regency(r: str) -> str:
    """The change-feed partition for regency-wide data (programmes, later reminder rules)."""
    return f"R#{r}#PROG"


def op_receipts(r: str, sub: str) -> str:
    return f"R#{r}#OPS#{sub}"


def officer(r: str, sub: str) -> str:
    return f"R#{r}#OFFICER#{sub}"


def moved_out(village: str) -> str:
    """SK of the marker an enrolment leaves in a village it moved out of (same PK as the enrolment)."""
    return f"MOVED#{village}"


def document_object(r: str, eid: str, kind: str, doc_id: str) -> str:
    """S3 key of an enrolment's document: no personal data in the key."""
    return f"{r}/enrolments/{eid}/{kind}/{doc_id}"


def reminder_rules(r: str, pid: str) -> tuple[str, str]:
    return regency(r), f"RULES#{pid}"


def reminder(end: str, rule_id: str, channel: str) -> str:
    return f"REM#{end}#{rule_id}#{channel}"


def digest(r: str, pid: str, village: str) -> str:
    return f"R#{r}#DIGEST#{pid}#{village}"


def reminder_run(r: str, run_id: str) -> str:
    return f"R#{r}#RUN#{run_id}"


def renewal(r: str, pid: str) -> str:
    return f"R#{r}#RENEW#{pid}"


def import_job(r: str, import_id: str) -> str:
    return f"R#{r}#IMPORT#{import_id}"


def summary(r: str, pid: str) -> str:
    return f"R#{r}#P#{pid}#SUMMARY"


def kpj(r: str, number: str) -> str:
    return f"R#{r}#KPJ#{number}"


def submission(r: str, submission_id: str) -> str:
    return f"R#{r}#SUBMIT#{submission_id}"


def access(r: str, kind: str, value: str) -> str:
    """Access-log partitions: kind U (user sub), E (enrolment id), P (programme id)."""
    return f"R#{r}#ACCESS#{kind}#{value}"


def restrictions(r: str) -> str:
    """The partition of a regency's open processing restrictions (SK: the NIK)."""
    return f"R#{r}#RESTRICTED"


def erasures(r: str) -> str:
    """The partition of a regency's erasure records (SK: <at>#<erasure id>)."""
    return f"R#{r}#ERASURE"


def imports_listed(r: str) -> str:
    """The partition listing a regency's import jobs (SK: the import id)."""
    return f"R#{r}#IMPORTS"
