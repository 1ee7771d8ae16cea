"""Every model module, imported once so the metadata (create_all, Alembic) sees all tables."""
from civic.accounts import models as accounts  # noqa: F401
from civic.audit import models as audit  # noqa: F401
from civic.bodies import models as bodies  # noqa: F401
from civic.outbox import models as outbox  # noqa: F401
from civic.consultations import models as consultations  # noqa: F401
from civic.motions import models as motions  # noqa: F401
from civic.comments import models as comments  # noqa: F401
from civic.surveys import models as surveys  # noqa: F401
from civic.meetings import models as meetings  # noqa: F401
from civic.results import models as results  # noqa: F401
from civic.interest import models as interest  # noqa: F401
