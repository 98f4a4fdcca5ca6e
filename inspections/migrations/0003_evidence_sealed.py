"""Submitted inspections are evidence: the database refuses to change them, whatever code
runs (a service, the admin, a shell, a raw UPDATE).

- `inspections_inspection`: no UPDATE and no DELETE once inserted. Nothing updates an
  inspection legitimately: the audit of a sampled inspection is its own row (`Audit`), the
  hub's reputation counters live on the public `Hub` row, and the shelf unit points at the
  inspection from `StockUnit`; the inspection row itself is written once, by
  `inspection_submit`.
- `inspections_inspectionphoto`: a row linked to an inspection (OLD.inspection_id set) is
  never updated or deleted. An unlinked photo still changes freely (processing moves it
  pending → ready | failed, a retake deletes it); the one UPDATE that links a photo — the
  submit's — must link a ready photo with its SHA-256, and so must an INSERT of a linked
  row.

Each refusal is SQLSTATE 23001 (restrict_violation: Django's IntegrityError). The
migration runs in every brand schema and in the template schema (a tenant app), and
brand schemas cloned from the template get the functions and triggers with it.
TRUNCATE is not guarded (a schema is dropped or a test database flushed as a whole)."""

from django.db import migrations

FORWARD = [
    r"""
CREATE OR REPLACE FUNCTION inspections_inspection_sealed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'inspection % is submitted evidence: it cannot be %d', OLD.id, lower(TG_OP)
        USING ERRCODE = 'restrict_violation',
              HINT = 'An inspection is written once, by inspection_submit; audits are rows of their own.';
END
$$
""",
    """
CREATE TRIGGER inspections_inspection_sealed
    BEFORE UPDATE OR DELETE ON inspections_inspection
    FOR EACH ROW EXECUTE FUNCTION inspections_inspection_sealed()
""",
    r"""
CREATE OR REPLACE FUNCTION inspections_photo_sealed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.inspection_id IS NOT NULL THEN
        RAISE EXCEPTION 'photo % belongs to submitted inspection %: it cannot be %d',
            OLD.id, OLD.inspection_id, lower(TG_OP)
            USING ERRCODE = 'restrict_violation',
                  HINT = 'A submitted inspection''s photos are evidence: they never change.';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF NEW.inspection_id IS NOT NULL AND (NEW.status <> 'ready' OR NEW.sha256 = '') THEN
        RAISE EXCEPTION 'photo % is not processed (status %): it cannot join inspection %',
            NEW.id, NEW.status, NEW.inspection_id
            USING ERRCODE = 'restrict_violation',
                  HINT = 'An inspection takes ready photos only, each with its SHA-256.';
    END IF;
    RETURN NEW;
END
$$
""",
    """
CREATE TRIGGER inspections_photo_sealed
    BEFORE INSERT OR UPDATE OR DELETE ON inspections_inspectionphoto
    FOR EACH ROW EXECUTE FUNCTION inspections_photo_sealed()
""",
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS inspections_photo_sealed ON inspections_inspectionphoto",
    "DROP FUNCTION IF EXISTS inspections_photo_sealed()",
    "DROP TRIGGER IF EXISTS inspections_inspection_sealed ON inspections_inspection",
    "DROP FUNCTION IF EXISTS inspections_inspection_sealed()",
]


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0002_inspection_audit_inspectionphoto"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
