"""Every model column that looks personal is classified by the context that owns it; the docs list them all."""

from __future__ import annotations

from pathlib import Path

from ecovarejo.bootstrap import import_all_models, personal_data_declarations
from ecovarejo.core.db import Base
from ecovarejo.core.personal_data import Erasure, looks_personal, unclassified_columns
from ecovarejo.privacy.registry import Registry, fields_markdown, problems

DOCS = Path(__file__).resolve().parents[3] / "docs" / "privacy.md"
START, END = "<!-- personal-fields:start -->", "<!-- personal-fields:end -->"


def _owner(table: str) -> str:
    for mapper in Base.registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == table:
            return mapper.class_.__module__.split(".")[1]
    return "core"


def test_every_column_that_looks_personal_is_classified() -> None:
    import_all_models()
    missing = unclassified_columns(personal_data_declarations(), Base.metadata.tables.values())
    advice = [
        f"  {col}: add it to src/ecovarejo/{_owner(col.split('.')[0])}/personal_data.py — a "
        f"Field({col.split('.')[1]!r}, Category..., Basis..., retention, Erasure...) in the PersonalTable for "
        f"{col.split('.')[0]!r} (law=... when erasure keeps it), or not_personal={{{col.split('.')[0]!r}: "
        f"{{{col.split('.')[1]!r}: 'why it is not personal'}}}}; set personal_data=DECLARATION on the context's "
        "ContextSpec (plugin.py) and list it in docs/privacy.md (`ecovarejo privacy fields`)"
        for col in missing
    ]
    assert not missing, "personal-looking columns nobody classified (LGPD):\n" + "\n".join(advice)


def test_declarations_name_real_columns_and_cite_the_law_when_keeping() -> None:
    import_all_models()
    columns_of = {name: set(t.c.keys()) for name, t in Base.metadata.tables.items()}
    assert problems(personal_data_declarations(), columns_of) == []


def test_the_pattern_catches_what_matters() -> None:
    for col in (
        "email",
        "cpf",
        "cnpj",
        "phone",
        "first_name",
        "street",
        "postal_code",
        "ip",
        "birth_date",
        "shipping_address",
        "user_agent",
        "to_address",
    ):
        assert looks_personal(col), col
    for col in ("sku", "price", "skip", "description", "zipped", "status"):
        assert not looks_personal(col), col


def test_the_core_people_data_is_declared_with_an_erasure_rule() -> None:
    reg = Registry(personal_data_declarations())
    users = reg.table("users")
    assert users is not None and {"email", "cpf", "phone", "first_name", "last_name"} <= {
        f.column for f in users.fields
    }
    orders = reg.table("orders")
    assert orders is not None
    assert orders.field("email").erasure is not Erasure.KEEP  # type: ignore[union-attr]
    assert orders.field("total_amount").erasure is Erasure.KEEP  # type: ignore[union-attr]
    assert reg.table("user_addresses").delete_rows  # type: ignore[union-attr]
    assert "payment providers" in " ".join(reg.shared_with())


def test_docs_list_every_personal_field() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert START in text and END in text
    block = text.split(START, 1)[1].split(END, 1)[0].strip()
    expected = fields_markdown(Registry(personal_data_declarations())).strip()
    assert block == expected, "docs/privacy.md is out of date: paste `ecovarejo privacy fields` between the markers"


def test_the_policy_shown_is_the_version_consent_records() -> None:
    from ecovarejo.privacy.public import POLICY_VERSION
    from ecovarejo.users.accounts import POLICY_VERSIONS

    assert POLICY_VERSION == POLICY_VERSIONS["privacy"] == POLICY_VERSIONS["terms"]
