import pytest

from tests.collaboratives.conftest import world  # noqa: F401 (the fixture)
from tests.learning.util import course_make


@pytest.fixture
def course(db):
    """Two modules of two lessons and a two-question quiz each, published, for new members."""
    return course_make()
