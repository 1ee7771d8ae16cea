"""/demo-idp/: the demo identity provider's pages. Registered only when CIVIC_DEMO_IDP is on."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from civic.extensions import csrf
from civic.identity import federation, settings
from civic.identity.demo_idp.residents import BY_KEY, RESIDENTS
from civic.identity.models import Provider

bp = Blueprint("demo_idp", __name__, url_prefix="/demo-idp")
# The signed request travels with the person's choice, and is verified again then: no state kept here.
CARRIED = ("SAMLRequest", "RelayState", "SigAlg", "Signature", "binding")


def _idp():
    demo = federation.demo_idp()
    if demo is None:
        abort(404)
    for provider in Provider:
        if settings.enabled(provider):
            sp = federation.service_provider(provider)
            demo.trust(sp.endpoints.entity_id, sp.metadata())
    return demo


def _request(demo, data):
    try:
        return demo.parse_request(data.get("SAMLRequest", ""), data.get("binding") == "redirect",
                                  data.get("RelayState"), data.get("SigAlg"), data.get("Signature"))
    except ValueError:
        abort(400)


@bp.get("/metadata")
def metadata():
    return Response(_idp().metadata(), mimetype="application/samlmetadata+xml")


@bp.route("/sso", methods=["GET", "POST"])
@csrf.exempt  # the service provider's signed AuthnRequest
def sso():
    """Show who asks, at which level, and the fictional residents to choose from."""
    demo = _idp()
    data = dict(request.form if request.method == "POST" else request.args)
    data["binding"] = "post" if request.method == "POST" else "redirect"
    message = _request(demo, data)
    level = message.requested_authn_context.authn_context_class_ref[0].text.strip()[-1]
    carried = {name: data.get(name) for name in CARRIED if data.get(name) is not None}
    return render_template("identity/demo_idp/choose.html", residents=RESIDENTS, level=level,
                           service=message.issuer.text, carried=carried)


@bp.post("/sso/continue")
def answer():
    """Send the chosen resident (or the cancellation) back to the service provider."""
    demo = _idp()
    message = _request(demo, request.form)
    if request.form.get("action") == "cancel":
        resident = None
    else:
        resident = BY_KEY.get(request.form.get("resident", ""))
        if resident is None:
            abort(400)
    return render_template("identity/demo_idp/post_back.html", acs=message.assertion_consumer_service_url,
                           saml_response=demo.answer(message, resident),
                           relay_state=request.form.get("RelayState", ""))


@bp.get("/slo")
def single_logout():
    demo = _idp()
    try:
        location = demo.logout(request.args.get("SAMLRequest", ""), request.args.get("RelayState"),
                               request.args.get("SigAlg"), request.args.get("Signature"))
    except Exception:  # pysaml2 raises many kinds for a bad or unsigned request
        abort(400)
    return Response(status=302, headers={"Location": location})
