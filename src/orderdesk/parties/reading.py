"""The one step a patient becomes what a caller sees: who they are only with ``phi:read``
(and then noted as disclosed, for the request's audit record)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.parties.models import Patient
from orderdesk.parties.schemas import PatientRead
from orderdesk.privacy import PATIENT_PHI, disclosures, withhold
from orderdesk.tenancy.principal import Principal


def read_patient(session: AsyncSession, patient: Patient, principal: Principal) -> PatientRead:
    """``patient`` as ``principal`` sees it."""
    read = PatientRead.model_validate(patient)
    if not principal.sees_phi:
        return withhold(read, PATIENT_PHI)
    disclosures(session).patients.add(read.id)
    return read
