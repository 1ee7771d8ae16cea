"""Demo motion from the Genova story (seed 000): Walter Vassallo's motion for coworking, approved by the
Municipio IX Levante council on 16 May 2013, and the working table with the Comune and the municipi that was
to follow. The source gives neither the filing date, nor the motion's number, nor the vote counts: they stay
unknown (None) and the pages say so. Idempotent: the motion is found by body and title."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select

from civic.database import db
from civic.motions import services
from civic.motions.models import Milestone, Motion, MotionStatus, VoteOption

TITLE = "Mozione per la diffusione del coworking nel Comune di Genova"
TEXT = """\
*Sintesi ricavata dal resoconto pubblicato il 29 maggio 2013: il testo integrale della mozione non è riportato
nella fonte.*

### Premesso che

- il coworking prevede la condivisione di un ambiente di lavoro da parte di persone che operano in settori
  diversi e mantengono un'attività indipendente;
- attraverso eventi, iniziative e attività collaborative e partecipative, gli spazi di coworking possono
  raccogliere quanto germoglia in un territorio e diventare vere e proprie officine creative;
- la diffusione dell'economia della conoscenza rende sempre più necessario diffondere nelle aree urbane
  spazi di lavoro condivisi, che generano valori comuni, sociali e ambientali;
- il coworking si sta affermando anche in Italia e a Genova.

### Il consiglio del Municipio IX Levante

si impegna a portare la questione all'attenzione del Comune di Genova, con l'obiettivo di avviare, insieme al
Comune e in dialogo con tutti gli altri municipi genovesi, incontri per discutere, approfondire e realizzare
sul territorio azioni per sviluppare centri di incontro al servizio del coworking, della progettazione
collaborativa e delle decisioni partecipate.
"""
OUTCOME = """\
In seguito all'approvazione è stato concordato che il Municipio Levante porterà all'attenzione del Comune la
questione sollevata dalla mozione, per portarla avanti insieme al Comune e in dialogo con tutti i municipi
genovesi.

Il consigliere Walter Vassallo si è detto soddisfatto: «il primo passo per iniziare a sensibilizzare
sull'argomento è stato fatto e tutti hanno apprezzato l'iniziativa. Un buon inizio».

La fonte non riporta il numero dei voti favorevoli, contrari e astenuti.
"""
MILESTONE_TITLE = "Tavolo di lavoro con il Comune e tutti i municipi genovesi"
MILESTONE = """\
Previsto dopo l'approvazione della mozione («a breve dovrebbe partire», 29 maggio 2013): incontri per
discutere, approfondire e realizzare sul territorio centri di incontro al servizio del coworking, della
progettazione collaborativa e delle decisioni partecipate. Il primo incontro è in calendario tra gli incontri
del percorso.
"""


def load(context: dict, echo: Callable[[str], None] = print) -> dict:
    """Create the Genova motion with its vote and planned milestone if missing; returns {"genova": motion}."""
    levante = context["bodies"]["levante"]
    motion = db.session.scalar(select(Motion).where(Motion.body_id == levante.id, Motion.title == TITLE))
    if motion is None:
        consultation = context.get("consultations", {}).get("genova")
        motion = services.save_motion(
            None, None, body_id=levante.id, consultation_id=consultation.id if consultation else None,
            title=TITLE, identifier=None, filed_on=None, text=TEXT, topics=["coworking", "lavoro"],
            councillor_ids=[], other_proposers=["Walter Vassallo"],
        )
        services.file_motion(None, motion, date_unknown=True)
        services.record_vote(None, motion, voted_on=dt.date(2013, 5, 16), result=MotionStatus.APPROVED,
                             counts=dict.fromkeys(VoteOption), roll_call=[], outcome_note=OUTCOME)
        echo("  motion: Walter Vassallo's coworking motion, approved on 16 May 2013")
    if not db.session.scalar(select(Milestone.id).where(Milestone.motion_id == motion.id)):
        services.save_milestone(None, motion, None, title=MILESTONE_TITLE, due_on=None, description=MILESTONE,
                                done=False)
    db.session.commit()
    return {"genova": motion}
