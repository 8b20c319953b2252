"""Contract values: amounts and currencies as files give them, checked, and written back for people.

Standard library only: the importer checks with it, the account views format with it.
"""

from __future__ import annotations

import math
import re

# ISO 4217 codes of the currencies contracts are written in; a symbol where people read one.
CURRENCIES = frozenset((
    "AED ARS AUD BGN BRL CAD CHF CLP CNY COP CZK DKK EGP EUR GBP HKD HUF IDR ILS INR ISK JPY KES KRW MAD MXN MYR "
    "NGN NOK NZD PEN PHP PKR PLN QAR RON RSD SAR SEK SGD THB TRY TWD UAH USD VND ZAR").split())
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}
MAX_AMOUNT = 1e12
_AMOUNT_TEXT = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?|\d+(\.\d+)?")


def parse_amount(value: object) -> float:
    """A contract amount from a number or a text like "120,000" or "99.50"; ValueError says what is wrong."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"not an amount: {value!r} (write a number, e.g. 120000)")
    if isinstance(value, str):
        text = value.strip()
        if not _AMOUNT_TEXT.fullmatch(text):
            raise ValueError(f"not an amount: {value!r} (write a number, e.g. 120000; the currency goes in currency)")
        value = float(text.replace(",", ""))
    amount = float(value)
    if not math.isfinite(amount) or amount < 0 or amount > MAX_AMOUNT:
        raise ValueError(f"not an amount: {value!r} (a number from 0 to {MAX_AMOUNT:,.0f})")
    return amount


def parse_currency(value: object) -> str:
    """An ISO 4217 currency code ("eur" -> "EUR"); ValueError for anything else."""
    code = value.strip().upper() if isinstance(value, str) else ""
    if code not in CURRENCIES:
        raise ValueError(f"unknown currency {value!r} (write its ISO 4217 code, e.g. EUR, USD, GBP)")
    return code


def format_money(amount: float, currency: str | None) -> str:
    """An amount as people read it: €120,000 · CHF 80,000 · $99.50."""
    number = f"{amount:,.0f}" if amount == int(amount) else f"{amount:,.2f}"
    if currency in SYMBOLS:
        return SYMBOLS[currency] + number
    return f"{currency} {number}" if currency else number
