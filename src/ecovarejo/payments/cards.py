"""Card numbers and installments: Luhn check, brand detection, and the installment plan shown at checkout.

Money is ``Decimal`` throughout. Rounding is explicit: an instalment with interest is rounded half-up to
the centavo (the total is that instalment times the count); an interest-free plan splits the total
exactly, the first instalment carrying the leftover centavos.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from ecovarejo.core.errors import InvalidInput

CENT = Decimal("0.01")
MAX_INSTALLMENTS = 12


def digits_of(number: str) -> str:
    """The digits of a typed card number (spaces and dashes allowed, anything else refused)."""
    cleaned = number.replace(" ", "").replace("-", "")
    if not cleaned.isdigit():
        raise InvalidInput("a card number has digits only", code="invalid_card_number")
    return cleaned


def luhn_valid(number: str) -> bool:
    digits = "".join(ch for ch in number if ch.isdigit())
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


# Brazilian brands first: their ranges sit inside Visa's, Mastercard's and Discover's.
_ELO_RANGES: tuple[tuple[int, int], ...] = (
    (401178, 401179),
    (431274, 431274),
    (438935, 438935),
    (451416, 451416),
    (457393, 457393),
    (457631, 457632),
    (504175, 504175),
    (506699, 506778),
    (509000, 509999),
    (627780, 627780),
    (636297, 636297),
    (636368, 636368),
    (650031, 650033),
    (650035, 650051),
    (650405, 650439),
    (650485, 650538),
    (650541, 650598),
    (650700, 650718),
    (650720, 650727),
    (650901, 650920),
    (651652, 651679),
    (655000, 655019),
    (655021, 655058),
)
_HIPERCARD_PREFIXES = ("606282", "384100", "384140", "384160")


def brand_of(number: str) -> str:
    """``visa``, ``mastercard``, ``amex``, ``elo``, ``hipercard``, ``diners``, ``discover`` or ``unknown``."""
    d = "".join(ch for ch in number if ch.isdigit())
    if len(d) < 6:
        return "unknown"
    six = int(d[:6])
    if any(lo <= six <= hi for lo, hi in _ELO_RANGES):
        return "elo"
    if d.startswith(_HIPERCARD_PREFIXES):
        return "hipercard"
    if d[0] == "4":
        return "visa"
    two, four = int(d[:2]), int(d[:4])
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return "mastercard"
    if two in (34, 37):
        return "amex"
    if two in (36, 38) or 300 <= int(d[:3]) <= 305:
        return "diners"
    if d.startswith("6011") or two == 65 or 644 <= int(d[:3]) <= 649:
        return "discover"
    return "unknown"


def validate_card(number: str) -> tuple[str, str]:
    """(digits, brand) of a number that passes the Luhn check; a 422 otherwise."""
    digits = digits_of(number)
    if not luhn_valid(digits):
        raise InvalidInput("the card number is not valid", code="invalid_card_number")
    return digits, brand_of(digits)


@dataclass(frozen=True)
class InstallmentOption:
    count: int
    #: Every instalment but the first (which may carry leftover centavos when interest-free).
    installment: Decimal
    first_installment: Decimal
    total: Decimal
    interest_free: bool
    monthly_rate: Decimal


@dataclass(frozen=True)
class InstallmentPolicy:
    max_installments: int = MAX_INSTALLMENTS
    #: Counts up to this one carry no interest.
    interest_free: int = 3
    #: Monthly interest (Price table) above the interest-free count, e.g. 0.0199 for 1.99 % a month.
    monthly_rate: Decimal = Decimal("0.0199")
    #: No instalment below this value (count 1 is always offered).
    min_installment: Decimal = Decimal("5.00")

    def __post_init__(self) -> None:
        if not 1 <= self.max_installments <= MAX_INSTALLMENTS:
            raise InvalidInput("installments go from 1 to 12", code="invalid_installments")
        if not 0 <= self.interest_free <= self.max_installments:
            raise InvalidInput("interest-free count out of range", code="invalid_installments")
        if self.monthly_rate < 0 or self.min_installment < 0:
            raise InvalidInput("rates and minimums are not negative", code="invalid_installments")


def _option(total: Decimal, n: int, policy: InstallmentPolicy) -> InstallmentOption:
    if n == 1 or n <= policy.interest_free or policy.monthly_rate == 0:
        each = (total / n).quantize(CENT, rounding=ROUND_DOWN)
        first = total - each * (n - 1)
        return InstallmentOption(n, each, first, total, True, Decimal("0"))
    i = policy.monthly_rate
    factor = (1 + i) ** n
    each = (total * i * factor / (factor - 1)).quantize(CENT, rounding=ROUND_HALF_UP)
    return InstallmentOption(n, each, each, each * n, False, i)


def installment_plan(total: Decimal, policy: InstallmentPolicy | None = None) -> list[InstallmentOption]:
    """The options a buyer may choose (count 1 first), each with its instalment and total."""
    policy = policy or InstallmentPolicy()
    total = Decimal(total).quantize(CENT, rounding=ROUND_HALF_UP)
    if total <= 0:
        raise InvalidInput("the amount must be positive", code="invalid_amount")
    options = []
    for n in range(1, policy.max_installments + 1):
        opt = _option(total, n, policy)
        if n > 1 and opt.installment < policy.min_installment:
            break
        options.append(opt)
    return options


def choose(total: Decimal, count: int, policy: InstallmentPolicy | None = None) -> InstallmentOption:
    """The option for ``count`` instalments, or a 422 when that count is not offered for this amount."""
    for opt in installment_plan(total, policy):
        if opt.count == count:
            return opt
    raise InvalidInput(f"{count} installments are not available for this amount", code="invalid_installments")
