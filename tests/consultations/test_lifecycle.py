"""The consultation and motion lifecycles refuse the moves they do not allow."""
from __future__ import annotations

import datetime as dt

import pytest

from civic.consultations.models import Consultation, ConsultationPhase, ConsultationStatus, InvalidTransition
from civic.consultations.services import slugify
from civic.motions.models import Motion, MotionStatus

D = dt.date


def test_consultation_lifecycle():
    consultation = Consultation(status=ConsultationStatus.DRAFT)
    with pytest.raises(InvalidTransition):
        consultation.close()
    with pytest.raises(InvalidTransition):
        consultation.archive()
    consultation.publish()
    first_published = consultation.published_at
    assert consultation.status == ConsultationStatus.PUBLISHED and first_published is not None
    with pytest.raises(InvalidTransition):
        consultation.publish()
    consultation.close()
    consultation.publish()  # reopened
    assert consultation.published_at == first_published
    consultation.close()
    consultation.archive()
    for move in (consultation.publish, consultation.close, consultation.archive):
        with pytest.raises(InvalidTransition):
            move()
    assert consultation.status == ConsultationStatus.ARCHIVED


@pytest.mark.parametrize("start, target, allowed", [
    (MotionStatus.DRAFT, MotionStatus.FILED, True),
    (MotionStatus.DRAFT, MotionStatus.APPROVED, False),
    (MotionStatus.FILED, MotionStatus.SCHEDULED, True),
    (MotionStatus.FILED, MotionStatus.APPROVED, True),
    (MotionStatus.SCHEDULED, MotionStatus.REJECTED, True),
    (MotionStatus.APPROVED, MotionStatus.REJECTED, False),
    (MotionStatus.APPROVED, MotionStatus.WITHDRAWN, False),
    (MotionStatus.WITHDRAWN, MotionStatus.FILED, False),
    (MotionStatus.REJECTED, MotionStatus.DRAFT, False),
])
def test_motion_lifecycle(start, target, allowed):
    motion = Motion(status=start)
    if allowed:
        motion.move_to(target)
        assert motion.status == target and motion.published_at is not None
    else:
        with pytest.raises(InvalidTransition):
            motion.move_to(target)
        assert motion.status == start


def test_current_phase_is_the_one_running_today():
    consultation = Consultation(phases=[
        ConsultationPhase(position=0, name="Proposte", starts_on=D(2013, 5, 1), ends_on=D(2013, 5, 15)),
        ConsultationPhase(position=1, name="Voto", starts_on=D(2013, 5, 16), ends_on=D(2013, 5, 16)),
        ConsultationPhase(position=2, name="Tavolo", starts_on=D(2013, 6, 1), ends_on=None),
    ])
    assert consultation.current_phase(D(2013, 4, 30)) is None
    assert consultation.current_phase(D(2013, 5, 15)).name == "Proposte"
    assert consultation.current_phase(D(2013, 5, 16)).name == "Voto"
    assert consultation.current_phase(D(2013, 5, 20)) is None
    assert consultation.current_phase(D(2030, 1, 1)).name == "Tavolo"


def test_slugify():
    assert slugify("Coworking a Genova: più spazi!") == "coworking-a-genova-piu-spazi"
    assert slugify("<script>") == "script"
    assert slugify("???") == "consultazione"
