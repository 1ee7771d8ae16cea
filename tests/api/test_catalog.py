"""The DCAT-AP_IT catalogue for dati.gov.it: both serialisations say the same, it validates against the
DCAT-AP 3 shapes and range constraints (../shared/schemas/dcat-ap) with pyshacl, each body's datasets carry
that body's licence, every survey with public results is a dataset in CSV, JSON and as a data package, nothing
private is in it, and the open-data page links to it."""
from __future__ import annotations

import pytest
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as ns

from civic.consultations.models import ConsultationStatus
from civic.database import db
from civic.surveys.models import ResultsVisibility
from tests.conftest import shared_dir
from tests.consultations.factories import make_consultation
from tests.factories import make_body
from tests.meetings.factories import make_meeting
from tests.motions.factories import make_motion
from tests.results.factories import add_responses, make_structure


@pytest.fixture(scope="module")
def shapes() -> Graph:
    """The DCAT-AP 3.0.1 core shapes and range constraints as one shapes graph."""
    folder = shared_dir("schemas", "dcat-ap")
    graph = Graph()
    for name in ("shapes.ttl", "range.ttl"):
        graph.parse(folder / name, format="turtle")
    return graph


@pytest.fixture
def published(app):
    """Two councils with their own licences, motions, a meeting, a survey with public results and one with
    results for councillors only, and a draft consultation."""
    with app.app_context():
        genova = make_body("comune-di-genova", "Comune di Genova")
        genova.data_licence = "CC-BY-SA-4.0"
        levante = make_body("municipio-ix-levante", "Municipio IX Levante", parent=genova)
        levante.data_licence = "CC0-1.0"
        db.session.commit()
        consultation = make_consultation(levante, "Coworking a Nervi", slug="coworking-nervi")
        make_motion(genova, "Biblioteche aperte la sera")
        make_meeting(consultation, title="Assemblea a Nervi")
        public = add_responses(make_structure(consultation, title="Questionario di Nervi"), 12)
        make_structure(consultation, title="Solo consiglieri", visibility=ResultsVisibility.COUNCILLORS)
        make_consultation(genova, "Bozza segreta", status=ConsultationStatus.DRAFT)
        return {"survey": public.survey_id}


def _graph(client, kind: str) -> Graph:
    response = client.get(f"/api/v1/catalog.{kind}")
    assert response.status_code == 200
    assert response.content_type.startswith({"ttl": "text/turtle", "jsonld": "application/ld+json"}[kind])
    return Graph().parse(data=response.get_data(as_text=True), format={"ttl": "turtle",
                                                                         "jsonld": "json-ld"}[kind])


def _violations(data: Graph, shapes: Graph) -> str:
    conforms, _graph, text = validate(data, shacl_graph=shapes, inference="none", advanced=True)
    return "" if conforms else text


def test_the_catalogue_validates_against_the_dcat_ap_shapes(client, published, shapes):
    turtle = _graph(client, "ttl")
    assert _violations(turtle, shapes) == ""
    assert turtle.isomorphic(_graph(client, "jsonld"))


def test_the_check_can_fail(client, published, shapes):
    broken = _graph(client, "ttl")
    catalog = next(broken.subjects(ns.RDF.type, ns.DCAT.Catalog))
    broken.remove((catalog, ns.DCTERMS.title, None))
    dataset = next(broken.subjects(ns.RDF.type, ns.DCAT.Dataset))
    broken.remove((dataset, ns.DCTERMS.description, None))
    report = _violations(broken, shapes)
    assert "dct:title" in report or "terms/title" in report
    assert "description" in report


def _datasets(graph: Graph) -> dict[str, URIRef]:
    return {str(graph.value(node, ns.DCTERMS.identifier)): node
            for node in graph.subjects(ns.RDF.type, ns.DCAT.Dataset)}


def _licences(graph: Graph, dataset: URIRef) -> set[str]:
    return {str(graph.value(licence, ns.DCTERMS.identifier))
            for part in graph.objects(dataset, ns.DCAT.distribution)
            for licence in graph.objects(part, ns.DCTERMS.license)}


def test_each_body_publishes_its_datasets_under_its_own_licence(client, published):
    graph = _graph(client, "ttl")
    found = _datasets(graph)
    assert _licences(graph, found["civic:motions-list-motions-json-comune-di-genova"]) == {"CC-BY-SA-4.0"}
    assert _licences(graph, found["civic:meetings-meetings-ics-municipio-ix-levante"]) == {"CC0-1.0"}
    # Motions are published by Genova only: no empty motions dataset for the district.
    assert "civic:motions-list-motions-json-municipio-ix-levante" not in found
    publisher = graph.value(found["civic:api-consultations-municipio-ix-levante"], ns.DCTERMS.publisher)
    assert str(graph.value(publisher, ns.FOAF.name)) == "Municipio IX Levante (Comune di Genova)"
    meetings = found["civic:meetings-meetings-ics-municipio-ix-levante"]
    calendar = next(graph.objects(meetings, ns.DCAT.distribution))
    assert str(graph.value(calendar, ns.DCAT.downloadURL)).endswith("/meetings.ics?body=municipio-ix-levante")
    assert str(graph.value(calendar, ns.DCTERMS.format)).endswith("/file-type/ICS")


def test_surveys_with_public_results_are_datasets_in_three_formats(client, published):
    graph = _graph(client, "ttl")
    found = _datasets(graph)
    survey = found[f"civic:survey-{published['survey']}-results"]
    assert graph.value(survey, ns.DCTERMS.title, any=True) in {Literal("Questionario di Nervi", lang="it"),
                                                            Literal("Questionario di Nervi", lang="en")}
    formats = {str(graph.value(part, ns.DCTERMS.format)).rsplit("/", 1)[1]:
               str(graph.value(part, ns.DCAT.downloadURL))
               for part in graph.objects(survey, ns.DCAT.distribution)}
    assert set(formats) == {"CSV", "JSON", "ZIP"}
    for url in formats.values():
        assert client.get(url.removeprefix("http://localhost")).status_code == 200
    text = client.get("/api/v1/catalog.ttl").get_data(as_text=True)
    assert "Solo consiglieri" not in text and "Bozza segreta" not in text


def test_the_open_data_page_links_to_the_catalogue(client, published):
    page = client.get("/open-data?lang=en").get_data(as_text=True)
    assert 'href="/api/v1/catalog.ttl"' in page and 'href="/api/v1/catalog.jsonld"' in page
