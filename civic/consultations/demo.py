"""Demo consultations from the two stories: Genova (seed 000), the Municipio IX Levante motion on coworking of
16 May 2013 and the working table with the Comune and all the municipi that was to follow; Novi Ligure
(seed 003), the first municipal coworking space, where the meetings, surveys and interest demos put their
things. Idempotent: each consultation is found by slug and completed if needed."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select

from civic.consultations import services
from civic.consultations.models import Consultation, ConsultationStatus
from civic.database import db

GENOVA_SLUG = "coworking-genova-levante"
NOVI_SLUG = "coworking-novi-ligure"

TITLE = "Il coworking a Genova: dal Municipio Levante a tutta la città"
SUMMARY = ("Dopo la mozione approvata dal Municipio IX Levante, un tavolo di lavoro con il Comune e tutti i "
           "municipi per portare il coworking a Genova.")
DESCRIPTION = """\
Il **coworking** è un modo di lavorare che prevede la condivisione di un ambiente di lavoro – un ufficio, a
volte solo una scrivania – da parte di persone che operano in settori diversi e mantengono un'attività
indipendente. Non è solo condivisione di spazi: con eventi, iniziative e attività collaborative può
raccogliere quanto nasce in un territorio e diventare un luogo di crescita per liberi professionisti,
freelance e nuove imprese.

Il percorso parte dal Municipio IX Levante, dove il 16 maggio 2013 il consiglio ha approvato la mozione del
consigliere Walter Vassallo per la diffusione del coworking nel Comune di Genova. Il Municipio porterà la
questione all'attenzione del Comune, per avviare insieme al Comune e in dialogo con tutti i municipi genovesi
incontri per discutere, approfondire e realizzare sul territorio azioni a sostegno del coworking, della
progettazione collaborativa e delle decisioni partecipate.

Su questa pagina trovi la mozione, com'è stata votata, che cosa è previsto dopo e gli incontri pubblici:
puoi sostenere la mozione e commentare.

*Fonte: «Genova si apre al coworking», articolo del 29 maggio 2013.*
"""
NOVI_TITLE = "Uno spazio di coworking a Novi Ligure"
NOVI_SUMMARY = ("Il Comune di Novi Ligure vuole aprire il primo spazio di coworking della città: "
                "potenzialità, rischi e vantaggi, chi lo userebbe e chi lo gestirebbe.")
PHASES = [
    ("Approvazione della mozione in Municipio", dt.date(2013, 5, 16), dt.date(2013, 5, 16),
     "Il consiglio del Municipio IX Levante approva la mozione di Walter Vassallo per la diffusione del "
     "coworking."),
    ("Verso il tavolo di lavoro con il Comune e i municipi", dt.date(2013, 5, 29), None,
     "Annunciato il 29 maggio 2013: il Municipio Levante porta la questione al Comune per avviare, con tutti "
     "i municipi genovesi, un tavolo di lavoro sul coworking. Il primo incontro è aperto alle iscrizioni."),
]


def _novi(context: dict, echo: Callable[[str], None]) -> Consultation | None:
    if "novi" not in context["bodies"]:
        return None
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == NOVI_SLUG))
    if consultation is None:
        consultation = services.save_consultation(
            None, None, body_id=context["bodies"]["novi"].id, title=NOVI_TITLE, slug=NOVI_SLUG,
            summary=NOVI_SUMMARY, description="", topics=["coworking", "lavoro"], opens_on=None,
            closes_on=None,
        )
        services.change_status(None, consultation, "publish")
        echo(f"  consultation {NOVI_SLUG}: the Novi Ligure coworking story")
    return consultation


def load(context: dict, echo: Callable[[str], None] = print) -> dict:
    """Create or complete the two consultations; returns {"genova": ..., "novi": ...}."""
    levante = context["bodies"]["levante"]
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == GENOVA_SLUG))
    if consultation is None or not consultation.description:
        consultation = services.save_consultation(
            None, consultation, body_id=levante.id, title=TITLE, slug=GENOVA_SLUG, summary=SUMMARY,
            description=DESCRIPTION, topics=["coworking", "lavoro", "innovazione"],
            opens_on=dt.date(2013, 5, 16), closes_on=None,
        )
        echo(f"  consultation {GENOVA_SLUG}: the Genova coworking story")
    if not consultation.phases:
        for name, starts_on, ends_on, description in PHASES:
            services.save_phase(None, consultation, None, name=name, starts_on=starts_on, ends_on=ends_on,
                                description=description)
        db.session.refresh(consultation)
    if consultation.status == ConsultationStatus.DRAFT:
        services.change_status(None, consultation, "publish")
    novi = _novi(context, echo)
    db.session.commit()
    return {"genova": consultation, "novi": novi}
