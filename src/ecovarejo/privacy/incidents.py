"""The incident register (LGPD art. 48): what happened, which data and how many people, the risk, the
measures, and when the ANPD and the people were told (within 3 business days, ANPD Resolução CD/ANPD 15/2024)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ecovarejo.core.db import utcnow
from ecovarejo.core.errors import InvalidInput, NotFound
from ecovarejo.core.personal_data import Category
from ecovarejo.core.uow import UnitOfWork

from . import audit
from . import repository as repo
from .models import Incident

RISKS = ("low", "medium", "high")
STATUSES = ("open", "closed")
NOTICE_BUSINESS_DAYS = 3


def notice_deadline(detected_at: datetime) -> datetime:
    """``detected_at`` plus 3 business days (weekends skipped)."""
    day, left = detected_at, NOTICE_BUSINESS_DAYS
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


@dataclass(frozen=True)
class IncidentView:
    id: uuid.UUID
    title: str
    description: str
    occurred_at: datetime | None
    detected_at: datetime
    categories: list[str]
    affected_subjects: int
    risk: str
    measures: str
    anpd_notified_at: datetime | None
    subjects_notified_at: datetime | None
    status: str
    created_by: str
    notice_due_at: datetime

    @property
    def notice_overdue(self) -> bool:
        late = self.anpd_notified_at is None or self.subjects_notified_at is None
        return self.risk != "low" and late and utcnow() > self.notice_due_at


def view(i: Incident) -> IncidentView:
    return IncidentView(
        i.id, i.title, i.description, i.occurred_at, i.detected_at, list(i.categories), i.affected_subjects, i.risk,
        i.measures, i.anpd_notified_at, i.subjects_notified_at, i.status, i.created_by, notice_deadline(i.detected_at),
    )  # fmt: skip


def _check(values: dict[str, Any]) -> None:
    if "risk" in values and values["risk"] not in RISKS:
        raise InvalidInput(f"risk must be one of {', '.join(RISKS)}", code="invalid_risk")
    if "status" in values and values["status"] not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}", code="invalid_status")
    bad = set(values.get("categories") or ()) - {c.value for c in Category}
    if bad:
        raise InvalidInput(f"unknown categories: {', '.join(sorted(bad))}", code="invalid_category")
    if values.get("affected_subjects", 0) < 0:
        raise InvalidInput("affected_subjects cannot be negative", code="validation_error")


async def record(uow: UnitOfWork, *, dpo: str, values: dict[str, Any]) -> IncidentView:
    _check(values)
    incident = Incident(created_by=dpo, detected_at=values.pop("detected_at", None) or utcnow(), **values)
    uow.session.add(incident)
    await uow.flush()
    await audit.record(
        uow, "incident.recorded", actor=dpo, details={"incident_id": str(incident.id), "risk": incident.risk}
    )
    return view(incident)


async def update(uow: UnitOfWork, incident_id: uuid.UUID, *, dpo: str, values: dict[str, Any]) -> IncidentView:
    _check(values)
    incident = await repo.get_incident(uow, incident_id)
    if incident is None:
        raise NotFound("no such incident", code="incident_not_found")
    for key, value in values.items():
        setattr(incident, key, value)
    await uow.flush()
    await audit.record(
        uow, "incident.updated", actor=dpo, details={"incident_id": str(incident.id), "fields": sorted(values)}
    )
    return view(incident)


async def register(uow: UnitOfWork) -> list[IncidentView]:
    return [view(i) for i in await repo.incidents(uow)]
