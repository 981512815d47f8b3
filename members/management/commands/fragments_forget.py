"""Render every cached page part anew after writes the fragment cache could not see."""

from django.core.management.base import BaseCommand
from django.db import connection

from core import fragments


class Command(BaseCommand):
    help = ("Bump the generation of every table (or of the tables named), so every cached part of "
            "a page renders anew: after writes that bypass Django's database connection (psql, "
            "COPY, another application). core/fragments.py; README, 'The fragment cache'.")

    def add_arguments(self, parser):
        parser.add_argument("tables", nargs="*", help="only these tables (default: all)")

    def handle(self, *args, tables, **options):
        if not fragments.enabled():
            self.stdout.write("The fragment cache is off (no REDIS_URL): nothing to forget.")
            return
        names = tables or connection.introspection.table_names()
        fragments.tables_bump(names)
        self.stdout.write(f"{len(names)} tables: every part of a page that read them renders anew.")
