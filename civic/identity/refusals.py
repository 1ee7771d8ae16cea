"""Why a sign-in through SPID or CIE is refused, and what the person is told (AgID's anomaly messages for the
identity provider's own error codes). Every refusal answers with a 4xx status: AgID's validator judges the
final HTTP status only."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l


class Refusal(Exception):
    """A request or answer Civic refuses. `reason` picks the message, `detail` (English, no personal data)
    goes to the log only, `anomaly` is the identity provider's ErrorCode nrNN when it sent one."""

    def __init__(self, reason: str, detail: str = "", status: int = 403, anomaly: int | None = None):
        super().__init__(detail or reason)
        self.reason = reason
        self.detail = detail or reason
        self.status = status
        self.anomaly = anomaly


# AgID anomaly codes carried in <StatusMessage>ErrorCode nrNN</StatusMessage> (Regole tecniche, tabella dei
# messaggi di anomalia; 30 from Avviso SPID n. 18). CIE uses 21, 22, 23 and 25.
ANOMALIES = {
    19: (_l("Too many wrong attempts"),
         _l("The identity provider stopped the sign-in after credentials were entered wrongly several times. "
            "Wait a little and try again.")),
    20: (_l("Your credentials are not enough"),
         _l("This service asks for a higher security level than your digital identity credentials offer. "
            "Ask your identity provider how to get them, or use another identity.")),
    21: (_l("Time ran out"),
         _l("The sign-in took too long and was stopped. Start again.")),
    22: (_l("Consent refused"),
         _l("You did not agree to send your data to this service, so you are not signed in.")),
    23: (_l("Identity suspended or revoked"),
         _l("Your digital identity is suspended or revoked, or its credentials are blocked (for CIE: the "
            "card is expired or revoked). Contact your identity provider.")),
    25: (_l("Sign-in cancelled"),
         _l("You cancelled the sign-in. You can start again whenever you like.")),
    30: (_l("Wrong kind of identity"),
         _l("The digital identity you used is not of the kind this service accepts (for example an identity "
            "for professional use or for a legal person). Sign in with your personal identity.")),
}

MESSAGES = {
    "malformed": (_l("Sign-in not completed"),
                  _l("The answer of the identity provider was incomplete or damaged. Start the sign-in "
                     "again.")),
    "unknown_request": (_l("Sign-in expired"),
                        _l("This sign-in was already completed, has expired or was not started here. Start "
                           "again from the log-in page.")),
    "invalid": (_l("Sign-in refused"),
                _l("The answer of the identity provider did not pass Civic's security checks, so you are not "
                   "signed in. Start again; if it happens again, contact the site's administrators.")),
    "level_too_low": (_l("Security level too low"),
                      _l("You signed in with a lower security level than this service asks for. Start again "
                         "and use credentials of the level asked (for example a one-time code or the app).")),
    "failed": (_l("Sign-in not completed"),
               _l("The identity provider did not sign you in. Start again.")),
    "replayed": (_l("Sign-in already used"),
                 _l("This answer of the identity provider was already used once. Start the sign-in again.")),
    "attributes": (_l("Data missing"),
                   _l("The identity provider did not send your fiscal code, or sent one that is not valid, "
                      "so Civic cannot recognise you.")),
    "other_browser": (_l("Finish in the same browser"),
                      _l("This sign-in was started in another browser. Start again from the log-in page in "
                         "this browser.")),
    "unknown_idp": (_l("Unknown identity provider"),
                    _l("This identity provider is not one Civic trusts. Choose one from the list.")),
    "bad_level": (_l("Unknown security level"),
                  _l("The security level must be 1, 2 or 3.")),
    "other_account": (_l("Identity linked to another account"),
                      _l("This digital identity belongs to another Civic account. Log out first, then sign "
                         "in with it.")),
    "other_identity": (_l("Your account has another identity"),
                       _l("Your account is linked to a different digital identity. Sign in with that one.")),
    "inactive": (_l("Account suspended"),
                 _l("The Civic account of this identity is suspended. Contact the site's administrators.")),
    "disabled": (_l("Not available"),
                 _l("Signing in with this digital identity is not available on this site.")),
}


def message(refusal: Refusal) -> tuple:
    """(title, text) for the person, in their language."""
    if refusal.anomaly in ANOMALIES:
        return ANOMALIES[refusal.anomaly]
    return MESSAGES.get(refusal.reason, MESSAGES["invalid"])
