"""core.worklists.row_url: a row's URL pattern, reversed once per URL prefix and URLconf."""

from django.urls import reverse, set_script_prefix

from core.worklists import row_url


def test_a_row_url_is_the_reversed_url_with_a_slot_for_the_id():
    assert row_url("billing:invoice_pdf").format(42) == reverse("billing:invoice_pdf",
                                                                args=[42])


def test_another_url_prefix_gives_the_prefixed_url():
    assert row_url("billing:invoice_pdf").format(42) == "/portal/billing/invoices/42/pdf/"
    set_script_prefix("/ncsup/")
    try:
        assert (row_url("billing:invoice_pdf").format(42)
                == "/ncsup/portal/billing/invoices/42/pdf/")
    finally:
        set_script_prefix("/")
    assert row_url("billing:invoice_pdf").format(42) == "/portal/billing/invoices/42/pdf/"
