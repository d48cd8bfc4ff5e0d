"""What the ml context's HTTP routes answer, field by field (the OpenAPI document names these)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class PriceOut(BaseModel):
    amount: str = Field(description="A decimal amount, e.g. `49.90`")
    currency: str


class ProductCardOut(BaseModel):
    id: str
    sku: str
    name: str
    slug: str
    price: PriceOut
    image_url: str | None
    sustainability_score: str
    carbon_footprint: str = Field(description="kg CO2e, a decimal string")


class RecommendationsOut(BaseModel):
    items: list[ProductCardOut]
    source: str = Field(
        description="`model` (the tenant's promoted model), `popular` (cold start), `catalog` (rules on the "
        "catalog) or `none` (nothing to show)"
    )


class ModelOut(BaseModel):
    name: str
    version: int
    metric: str
    value: float
    baseline: float
    metrics: dict[str, Any]
    baseline_metrics: dict[str, Any]
    data_from: str | None
    data_to: str | None
    samples: int
    code_version: str
    promoted: bool
    reason: str
    created_at: str


class ModelList(BaseModel):
    items: list[ModelOut]


class TrainedOut(BaseModel):
    name: str
    version: int
    metric: str
    value: float
    baseline: float
    promoted: bool
    reason: str
    samples: int
    seconds: float


class TrainedList(BaseModel):
    items: list[TrainedOut]


class ReorderOut(BaseModel):
    sku: str
    weekly_forecast: float
    method: str
    available: int
    reorder_point: int
    order_quantity: int
    due: bool


class ReorderList(BaseModel):
    items: list[ReorderOut]


class ClassificationOut(BaseModel):
    source: str = Field(description="`model`, or `none` when the tenant has no classification model yet")
    category: str | None
    confidence: float
    certifications: list[str]
    tags: list[str]


class PriceSuggestionOut(BaseModel):
    product_id: str
    current: str
    suggested: str
    elasticity: float
    expected_revenue_change_pct: float
    confidence: float
    cost: str | None
    floor: str | None
    expected_margin_change_pct: float | None


class PriceSuggestionList(BaseModel):
    items: list[PriceSuggestionOut]


class AppliedPriceOut(BaseModel):
    product_id: str
    price: str


class AssessmentOut(BaseModel):
    id: str
    order_id: str | None
    order_number: str | None
    user_id: str
    total: str
    score: float
    decision: str
    reasons: list[str]
    review_status: str | None
    reviewed_by: str | None
    reviewed_at: str | None
    created_at: str


class AssessmentList(BaseModel):
    items: list[AssessmentOut]


class ThresholdsOut(BaseModel):
    hold_at: float
    decline_at: float
