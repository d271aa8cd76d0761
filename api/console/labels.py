"""Display labels of the ledger's enum names (statuses, actions, programmes, roles, reasons),
marked for the message catalogue with ``N_`` and translated when a page is rendered."""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark ``message`` for extraction; translated later by :func:`label`."""
    return message


LABELS = {
    # certificate and MRA statuses
    "NONE": N_("Not issued"),
    "ACTIVE": N_("Active"),
    "SUSPENDED": N_("Suspended"),
    "REVOKED": N_("Revoked"),
    "ANNULLED": N_("Annulled"),
    "EXPIRED": N_("Expired"),
    "PROPOSED": N_("Proposed"),
    "TERMINATED": N_("Terminated"),
    # events
    "ISSUED": N_("Issued"),
    "REINSTATED": N_("Reinstated"),
    "AMENDED": N_("Amended"),
    "RENEWED": N_("Renewed"),
    "ACCEPTED": N_("Accepted"),
    "RESUMED": N_("Resumed"),
    # programmes
    "SECURITY": N_("Security (AEO-S)"),
    "SIMPLIFICATIONS": N_("Simplifications (AEO-C)"),
    "FISCAL": N_("Fiscal"),
    "SANITARY": N_("Sanitary"),
    # operator roles
    "IMPORTER": N_("Importer"),
    "EXPORTER": N_("Exporter"),
    "CARRIER": N_("Carrier"),
    "CUSTOMS_BROKER": N_("Customs broker"),
    "WAREHOUSE": N_("Warehouse"),
    "MANUFACTURER": N_("Manufacturer"),
    "LOGISTICS": N_("Logistics operator"),
    "PORT_OPERATOR": N_("Port operator"),
    "FREE_ZONE_OPERATOR": N_("Free-zone operator"),
    # reasons
    "NON_COMPLIANCE": N_("Criteria no longer met"),
    "OPERATOR_REQUEST": N_("Operator's request"),
    "INVESTIGATION": N_("Pending investigation"),
    "CHANGE_OF_DATA": N_("Change of data"),
    "CEASED_ACTIVITY": N_("Ceased activity"),
    "FRAUD": N_("False information"),
    "PERIODIC_REVIEW": N_("Periodic review"),
    "ADMINISTRATIVE_ERROR": N_("Administrative error"),
    "CORRECTIVE_ACTION_COMPLETED": N_("Corrective action completed"),
    "OTHER": N_("Other"),
    # token roles
    "writer": N_("officer (writer)"),
    "reader": N_("reader"),
    "auditor": N_("auditor"),
    "governance": N_("governance"),
    "agency": N_("government agency"),
    # trader identifiers (the border lookup)
    "tax_id": N_("tax id"),
    "tin": N_("WCO TIN"),
    "eori": N_("EORI"),
}


def label_message(name: str) -> str:
    """The catalogue message of an enum name (the name itself when it has none)."""
    return LABELS.get(name, name)
