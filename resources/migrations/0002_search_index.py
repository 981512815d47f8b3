"""The GIN index PostgreSQL full-text search uses, on PostgreSQL only (SQLite searches with
icontains and has no GIN indexes)."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations


def search_index():
    # As resources.models.search_index() builds it: the expression the search reads.
    return GinIndex(SearchVector("search_document", config="english"),
                    name="resource_search_gin")


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("resources", "Resource"), search_index())


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("resources", "Resource"), search_index())


class Migration(migrations.Migration):
    dependencies = [("resources", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
