"""What the API says about the platform's objects: plain dictionaries of public facts only (no person, no
draft). Features write theirs beside their own API views."""
from __future__ import annotations

from flask import url_for

from civic.api.support import day, moment
from civic.bodies.models import Body
from civic.consultations.models import Consultation


def body(item: Body) -> dict:
    return {"slug": item.slug, "name": item.name, "parent": item.parent.slug if item.parent else None}


def consultation(item: Consultation) -> dict:
    return {
        "slug": item.slug,
        "title": item.title,
        "summary": item.summary,
        "status": item.status.value,
        "body": body(item.body),
        "topics": list(item.topics),
        "opens_on": day(item.opens_on),
        "closes_on": day(item.closes_on),
        "published_at": moment(item.published_at),
        "url": url_for("consultations.show_consultation", slug=item.slug, _external=True),
        "api_url": url_for("api.consultation", slug=item.slug, _external=True),
    }


def consultation_detail(item: Consultation) -> dict:
    return {
        **consultation(item),
        "description": item.description,
        "phases": [{"name": phase.name, "starts_on": day(phase.starts_on), "ends_on": day(phase.ends_on),
                    "description": phase.description} for phase in item.phases],
    }
