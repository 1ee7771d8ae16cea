"""Census tests use the identity tests' identity provider and SPID configuration, and the survey tests'
`in_db`."""
from tests.identity.conftest import demo_site, metadata_dir, spid, test_idp  # noqa: F401
from tests.surveys.conftest import in_db  # noqa: F401
