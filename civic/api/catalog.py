"""The DCAT-AP_IT catalogue of Civic's datasets, for dati.gov.it to harvest: /api/v1/catalog.ttl (Turtle) and
/api/v1/catalog.jsonld (JSON-LD), built with rdflib from what the features declare (civic.core.features):
each Feed is a dataset for the whole site or, with `per_body`, one per publishing body under that body's
licence; a feature's `datasets` add their own (each survey's public results). The open-data API is the
catalogue's data service.

Every node the catalogue points to is typed in it (licences, file types, themes, agents...), so it satisfies
the DCAT-AP 3 shapes and their range constraints without fetching anything; tests/api/test_catalog.py
validates it with pyshacl. Titles and descriptions are given in Italian and English."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from flask import Response, current_app, url_for
from flask_babel import force_locale
from rdflib import RDF, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, SKOS

from civic.api.queries import open_data_bodies
from civic.api.support import api_blueprint
from civic.bodies.models import Body
from civic.core import features
from civic.core.features import ApiPart, Dataset, Distribution, Feed
from civic.core.licences import LICENCES
from civic.core.pagecache import public_page
from civic.database import db

DCATAPIT = Namespace("http://dati.gov.it/onto/dcatapit#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU = "http://publications.europa.eu/resource/authority/"
FILE_TYPES = {"application/json": "JSON", "text/calendar": "ICS", "text/csv": "CSV", "application/zip": "ZIP"}
# Licence types of the ADMS vocabulary (DCAT-AP_IT asks for the licence's type).
LICENCE_TYPES = {"CC0-1.0": "PublicDomain", "CC-BY-SA-4.0": "ShareAlike"}
LANGUAGES = ("it", "en")
CONTEXT = {"dcat": str(DCAT), "dct": str(DCTERMS), "foaf": str(FOAF), "dcatapit": str(DCATAPIT),
           "skos": str(SKOS), "prov": str(PROV), "vcard": str(VCARD), "xsd": str(XSD)}


def _translated(text) -> dict[str, str]:
    """A lazy translated string in each catalogue language."""
    found = {}
    for language in LANGUAGES:
        with force_locale(language):
            found[language] = str(text)
    return found


class _Builder:
    """Adds the nodes of the catalogue to a graph, each shared node (agents, licences, concepts) once."""

    def __init__(self) -> None:
        self.graph = Graph(bind_namespaces="core")
        for prefix, namespace in CONTEXT.items():
            self.graph.bind(prefix, namespace)
        self.base = url_for("api.open_data", _external=True).rsplit("/open-data", 1)[0]
        self.ipa = current_app.config["CIVIC_IPA_CODE"] or "civic"
        self.done: set[URIRef] = set()

    def add(self, subject, predicate, value) -> None:
        self.graph.add((subject, predicate, value))

    def texts(self, subject, predicate, values: dict[str, str]) -> None:
        for language, value in values.items():
            self.add(subject, predicate, Literal(value, lang=language))

    def once(self, node: URIRef) -> bool:
        """True the first time a shared node is met: describe it then."""
        if node in self.done:
            return False
        self.done.add(node)
        return True

    def concept(self, node: URIRef, label: str, scheme: URIRef | None = None) -> URIRef:
        if self.once(node):
            self.add(node, RDF.type, SKOS.Concept)
            self.add(node, SKOS.prefLabel, Literal(label, lang="en"))
            if scheme is not None:
                self.add(node, SKOS.inScheme, scheme)
        return node

    def document(self, url: str) -> URIRef:
        node = URIRef(url)
        if self.once(node):
            self.add(node, RDF.type, FOAF.Document)
        return node

    def agent(self, node: URIRef, name: str, identifier: str) -> URIRef:
        if self.once(node):
            for kind in (FOAF.Agent, DCATAPIT.Agent):
                self.add(node, RDF.type, kind)
            self.add(node, FOAF.name, Literal(name))
            self.add(node, DCTERMS.identifier, Literal(identifier))
        return node

    def body(self, body: Body) -> URIRef:
        return self.agent(URIRef(f"{self.base}/api/v1/bodies#{body.slug}"), body.full_name,
                          f"{self.ipa}:{body.slug}")

    def site(self) -> URIRef:
        return self.agent(URIRef(f"{self.base}/#publisher"), current_app.config["CIVIC_SITE_NAME"], self.ipa)

    def licence(self, identifier: str) -> URIRef:
        title, address = LICENCES.get(identifier, (identifier, None))
        node = URIRef(address or f"{self.base}/open-data#licence-{identifier}")
        if self.once(node):
            for kind in (DCTERMS.LicenseDocument, DCATAPIT.LicenseDocument):
                self.add(node, RDF.type, kind)
            self.add(node, FOAF.name, Literal(title))
            self.add(node, DCTERMS.identifier, Literal(identifier))
            kind = LICENCE_TYPES.get(identifier, "Attribution")
            concept = URIRef(f"http://purl.org/adms/licencetype/{kind}")
            self.add(node, DCTERMS.type, self.concept(concept, kind))
        return node

    def file_type(self, code: str) -> URIRef:
        node = URIRef(f"{EU}file-type/{code}")
        if self.once(node):
            self.add(node, RDF.type, DCTERMS.MediaTypeOrExtent)
            self.add(node, SKOS.prefLabel, Literal(code))
        return node

    def media_type(self, name: str) -> URIRef:
        node = URIRef(f"https://www.iana.org/assignments/media-types/{name}")
        if self.once(node):
            self.add(node, RDF.type, DCTERMS.MediaType)
        return node

    def date(self, value: dt.datetime | dt.date | None) -> Literal:
        value = value or dt.date.today()
        if isinstance(value, dt.datetime):
            value = value.date()
        return Literal(value.isoformat(), datatype=XSD.date)


def _feed_datasets(feed: Feed, feature, bodies: list[Body]) -> Iterator[Dataset]:
    """A feed as catalogue datasets: one per publishing body when the feed can select a body, else one."""
    file_type = FILE_TYPES.get(feed.media_type, "JSON")
    title, description = _translated(feed.title), _translated(feed.description)
    key = feed.endpoint.replace(".", "-").replace("_", "-")
    if feed.per_body is None:
        url = url_for(feed.endpoint, _external=True)
        yield Dataset(key, title, description, None, url_for("api.open_data", _external=True),
                      [Distribution(url, file_type, feed.media_type)], keywords=feed.keywords)
        return
    publishing = bodies
    if feature.public_bodies is not None:
        ids = set(db.session.scalars(feature.public_bodies()))
        publishing = [body for body in bodies if body.id in ids]
    for body in publishing:
        url = url_for(feed.endpoint, **feed.per_body(body), _external=True)
        yield Dataset(f"{key}-{body.slug}",
                      {language: f"{text} · {body.full_name}" for language, text in title.items()},
                      description, body, url_for("api.open_data", _external=True),
                      [Distribution(url, file_type, feed.media_type)], keywords=feed.keywords)


def datasets(bodies: list[Body]) -> Iterator[Dataset]:
    """Every dataset of the catalogue, in the order of the features."""
    for feature in features.installed():
        for feed in feature.feeds:
            if feed.endpoint in current_app.view_functions and not feed.service:
                yield from _feed_datasets(feed, feature, bodies)
        if feature.datasets is not None:
            yield from feature.datasets()


def _text(value) -> dict[str, str]:
    return value if isinstance(value, dict) else {language: str(value) for language in LANGUAGES}


def graph(bodies: list[Body]) -> Graph:
    """The catalogue as an RDF graph."""
    b = _Builder()
    site_licence = current_app.config["CIVIC_LICENCE"]
    catalog = URIRef(url_for("catalog_api.catalog_ttl", _external=True).removesuffix(".ttl"))
    site = b.site()
    name = current_app.config["CIVIC_SITE_NAME"]
    for kind in (DCAT.Catalog, DCATAPIT.Catalog):
        b.add(catalog, RDF.type, kind)
    b.texts(catalog, DCTERMS.title, {"it": f"{name}: dati aperti", "en": f"{name}: open data"})
    b.texts(catalog, DCTERMS.description, {
        "it": "I dati aperti delle consultazioni pubbliche: consultazioni, mozioni, incontri, questionari "
              "e i loro risultati aggregati, manifestazioni di interesse.",
        "en": "The open data of the public consultations: consultations, motions, meetings, surveys and "
              "their aggregated results, calls for interest."})
    b.add(catalog, DCTERMS.publisher, site)
    b.add(catalog, FOAF.homepage, b.document(url_for("api.open_data", _external=True)))
    b.add(catalog, DCTERMS.license, b.licence(site_licence))
    language = URIRef(f"{EU}language/ITA")
    b.add(language, RDF.type, DCTERMS.LinguisticSystem)
    b.add(catalog, DCTERMS.language, language)
    themes = URIRef(f"{EU}data-theme")
    b.add(themes, RDF.type, SKOS.ConceptScheme)
    b.add(themes, DCTERMS.title, Literal("Data theme", lang="en"))
    b.add(catalog, DCAT.themeTaxonomy, themes)
    theme = b.concept(URIRef(f"{EU}data-theme/GOVE"), "Government and public sector", themes)
    frequency = URIRef(f"{EU}frequency/CONT")
    b.add(frequency, RDF.type, DCTERMS.Frequency)
    process = URIRef(f"{b.base}/#participation")
    b.add(process, RDF.type, PROV.Activity)
    b.texts(process, DCTERMS.title, {"it": "Partecipazione pubblica", "en": "Public participation"})

    service = URIRef(f"{b.base}/api/v1")
    b.add(service, RDF.type, DCAT.DataService)
    b.texts(service, DCTERMS.title, {"it": f"{name}: API dei dati aperti", "en": f"{name}: open data API"})
    b.add(service, DCAT.endpointURL, service)
    b.add(service, DCAT.endpointDescription, URIRef(url_for("api.openapi", _external=True)))
    b.add(service, DCTERMS.publisher, site)
    b.add(service, DCTERMS.license, b.licence(site_licence))
    b.add(catalog, DCAT.service, service)

    newest = None
    for item in datasets(bodies):
        node = URIRef(f"{catalog}/datasets/{item.key}")
        for kind in (DCAT.Dataset, DCATAPIT.Dataset):
            b.add(node, RDF.type, kind)
        b.texts(node, DCTERMS.title, _text(item.title))
        b.texts(node, DCTERMS.description, _text(item.description))
        b.add(node, DCTERMS.identifier, Literal(f"{b.ipa}:{item.key}"))
        holder = b.body(item.body) if item.body is not None else site
        b.add(node, DCTERMS.publisher, holder)
        b.add(node, DCTERMS.rightsHolder, holder)
        b.add(node, DCAT.theme, theme)
        b.add(node, DCTERMS.accrualPeriodicity, frequency)
        b.add(node, PROV.wasGeneratedBy, process)
        b.add(node, DCAT.landingPage, b.document(item.landing_page))
        if item.issued is not None:
            b.add(node, DCTERMS.issued, b.date(item.issued))
        b.add(node, DCTERMS.modified, b.date(item.modified))
        if item.modified is not None and (newest is None or item.modified > newest):
            newest = item.modified
        for keyword in item.keywords:
            b.add(node, DCAT.keyword, Literal(keyword, lang="it"))
        licence = b.licence(item.body.data_licence if item.body is not None else site_licence)
        for distribution in item.distributions:
            part = BNode()
            for kind in (DCAT.Distribution, DCATAPIT.Distribution):
                b.add(part, RDF.type, kind)
            address = URIRef(distribution.url)
            b.add(part, DCAT.accessURL, address)
            b.add(part, DCAT.downloadURL, address)
            b.add(part, DCTERMS.format, b.file_type(distribution.file_type))
            b.add(part, DCAT.mediaType, b.media_type(distribution.media_type))
            b.add(part, DCTERMS.license, licence)
            b.texts(part, DCTERMS.title, _text(distribution.title or distribution.file_type))
            b.add(node, DCAT.distribution, part)
            if distribution.media_type == "application/json" and distribution.url.startswith(str(service)):
                b.add(part, DCAT.accessService, service)
        b.add(catalog, DCAT.dataset, node)
    b.add(catalog, DCTERMS.modified, b.date(newest))
    return b.graph


def serialize(kind: str) -> str:
    """The catalogue as Turtle ("ttl") or JSON-LD ("jsonld")."""
    bodies = db.session.scalars(open_data_bodies()).all()
    data = graph(bodies)
    if kind == "jsonld":
        return data.serialize(format="json-ld", context=CONTEXT, indent=1)
    return data.serialize(format="turtle")


# --- the addresses ------------------------------------------------------------------------------------------

bp = api_blueprint("catalog_api", __name__)
MEDIA_TYPES = {"ttl": "text/turtle", "jsonld": "application/ld+json"}


@bp.get("/api/v1/catalog.ttl")
@public_page
def catalog_ttl():
    return Response(serialize("ttl"), content_type=f"{MEDIA_TYPES['ttl']}; charset=utf-8")


@bp.get("/api/v1/catalog.jsonld")
@public_page
def catalog_jsonld():
    return Response(serialize("jsonld"), content_type=f"{MEDIA_TYPES['jsonld']}; charset=utf-8")


# What each address answers: Turtle is text; JSON-LD is a document with the context and the graph of nodes.
SCHEMAS = {
    "ttl": {"type": "string"},
    "jsonld": {"type": "object", "required": ["@context", "@graph"],
               "properties": {"@context": {"type": "object"},
                              "@graph": {"type": "array", "items": {"type": "object"}}}},
}


def _path(kind: str, summary: str) -> dict:
    return {"get": {"summary": summary, "parameters": [], "responses": {"200": {
        "description": summary, "content": {MEDIA_TYPES[kind]: {"schema": SCHEMAS[kind]}}}}}}


part = ApiPart(bp, {
    "/v1/catalog.ttl": _path("ttl", "The DCAT-AP_IT catalogue of the datasets (Turtle), for dati.gov.it"),
    "/v1/catalog.jsonld": _path("jsonld", "The DCAT-AP_IT catalogue of the datasets (JSON-LD)"),
})
