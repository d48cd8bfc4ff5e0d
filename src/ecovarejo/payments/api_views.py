"""What the payments routes answer, field by field (the OpenAPI document names these). Amounts are
decimal strings: money is never a float."""

from __future__ import annotations

from pydantic import BaseModel, Field


class WebhookReceived(BaseModel):
    received: bool
    outcome: str | None = Field(
        default=None, description="`processed`, `duplicate`, `stale` or `recorded` (one notification)"
    )
    outcomes: list[str] | None = Field(default=None, description="One per Pix in a PSP's batch notification")


class InstallmentOptionOut(BaseModel):
    count: int
    installment: str
    first_installment: str
    total: str
    interest_free: bool
    monthly_rate: str


class InstallmentPlanOut(BaseModel):
    amount: str
    options: list[InstallmentOptionOut]


class PixChargeOut(BaseModel):
    payment_id: str
    status: str
    txid: str
    amount: str
    payload: str = Field(description="The BR Code (Pix copia e cola)")
    expires_at: str
    qr_png_base64: str


class BoletoOut(BaseModel):
    payment_id: str
    status: str
    barcode: str
    digitable_line: str
    due_date: str
    amount: str


class DisputeOut(BaseModel):
    id: str
    provider: str
    dispute_id: str
    amount: str
    reason: str | None
    status: str


class DisputeList(BaseModel):
    items: list[DisputeOut]


class ReconciliationSummary(BaseModel):
    matched: int
    mismatches: int
    missing_in_ledger: int
    missing_in_report: int
    fees: str


class ReconciliationOut(BaseModel):
    id: str
    provider: str
    matched: list[dict[str, str]]
    mismatches: list[dict[str, str]]
    missing_in_ledger: list[dict[str, str]]
    missing_in_report: list[dict[str, str]]
    fees: str
    summary: ReconciliationSummary
