"""Xero's scopes as people pick them: presets, what each granular scope allows, deprecated broad ones.

From docs/XERO.md ("Scopes (2026)"): apps created on or after 2 March 2026 may use the granular
scopes only; older apps keep the broad ones until September 2027. xconn cannot know when a Xero app
was created, so broad scopes are flagged, never refused here: the check with Xero tells for sure.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import BASE_SCOPES

GRANULAR_FROM = "2 March 2026"
BROAD_UNTIL = "September 2027"


@dataclass(frozen=True)
class Scope:
    name: str
    says: str  # one line, in the user's words
    deprecated: bool = False


CATALOGUE: tuple[Scope, ...] = (
    Scope("accounting.invoices", "Read and create invoices and bills"),
    Scope("accounting.invoices.read", "Read invoices and bills"),
    Scope("accounting.contacts", "Read and create contacts (suppliers, customers)"),
    Scope("accounting.contacts.read", "Read contacts"),
    Scope("accounting.attachments", "Attach scanned documents to invoices and bills"),
    Scope("accounting.attachments.read", "Read attachments"),
    Scope("accounting.settings", "Read and change settings (accounts, tax rates, tracking)"),
    Scope("accounting.settings.read", "Read settings: accounts, tax rates, tracking categories"),
    Scope("accounting.payments", "Read and record payments"),
    Scope("accounting.payments.read", "Read payments"),
    Scope("accounting.banktransactions", "Read and create bank transactions"),
    Scope("accounting.banktransactions.read", "Read bank transactions"),
    Scope("accounting.manualjournals", "Read and create manual journals"),
    Scope("accounting.manualjournals.read", "Read manual journals"),
    Scope("accounting.classicexpenses", "Read and create expense claims"),
    Scope("accounting.classicexpenses.read", "Read expense claims"),
    Scope("accounting.journals.read", "Read the general ledger journals"),
    Scope("accounting.budgets.read", "Read budgets"),
    Scope("accounting.reports.profitandloss.read", "Read the profit and loss report"),
    Scope("accounting.reports.balancesheet.read", "Read the balance sheet report"),
    Scope("accounting.reports.aged.read", "Read the aged payables and receivables reports"),
    Scope("accounting.reports.trialbalance.read", "Read the trial balance report"),
    Scope("accounting.reports.banksummary.read", "Read the bank summary report"),
    Scope("accounting.reports.budgetsummary.read", "Read the budget summary report"),
    Scope("accounting.reports.executivesummary.read", "Read the executive summary report"),
    Scope("accounting.reports.taxreports.read", "Read tax reports"),
    Scope("accounting.reports.tenninetynine.read", "Read the 1099 report (United States)"),
    Scope("files", "Read and add files in Xero Files"),
    Scope("files.read", "Read Xero Files"),
    Scope(
        "accounting.transactions", "Old broad scope: invoices, payments, bank transactions and more", deprecated=True
    ),
    Scope(
        "accounting.transactions.read", "Old broad scope: read invoices, payments, bank transactions", deprecated=True
    ),
    Scope("accounting.reports.read", "Old broad scope: read every report", deprecated=True),
)
BY_NAME = {s.name: s for s in CATALOGUE}
DEPRECATED = frozenset(s.name for s in CATALOGUE if s.deprecated)
RESTRICTED_PREFIXES = ("paymentservices", "bankfeeds", "finance.")  # need Xero's approval (docs/XERO.md)

PRESETS: dict[str, list[str]] = {
    "Invoice capture": [
        *BASE_SCOPES,
        "accounting.invoices",
        "accounting.contacts",
        "accounting.settings.read",
        "accounting.attachments",
    ],
    "Read-only lookups": [
        *BASE_SCOPES,
        "accounting.invoices.read",
        "accounting.contacts.read",
        "accounting.settings.read",
    ],
}
DEFAULT_PRESET = "Invoice capture"
CUSTOM = "Custom"


def preset_of(scopes: list[str]) -> str:
    """The preset these scopes are exactly, or Custom."""
    wanted = set(scopes)
    for name, items in PRESETS.items():
        if set(items) == wanted:
            return name
    return CUSTOM


def deprecation_note(scopes: list[str]) -> str:
    """A plain warning when broad scopes are asked for, '' otherwise."""
    broad = [s for s in scopes if s in DEPRECATED]
    if not broad:
        return ""
    return (
        f"{', '.join(broad)}: Xero apps created on or after {GRANULAR_FROM} cannot use "
        f"{'this scope' if len(broad) == 1 else 'these scopes'}, and older apps only until {BROAD_UNTIL}. "
        "Prefer the granular scopes (e.g. accounting.invoices)."
    )


def suspects_for_refusal(scopes: list[str]) -> list[str]:
    """The scopes most likely behind Xero's 'Invalid scope for client'."""
    return [s for s in scopes if s in DEPRECATED or s.startswith(RESTRICTED_PREFIXES)]


def unknown(scopes: list[str]) -> list[str]:
    """Scopes xconn has never heard of (a typing mistake behind Xero's 'Invalid scope')."""
    known = set(BY_NAME) | set(BASE_SCOPES)
    extra_known_prefixes = ("payroll.", "projects", "assets", "bankfeeds", "paymentservices", "finance.", "app.")
    return [s for s in scopes if s not in known and not s.startswith(extra_known_prefixes)]
