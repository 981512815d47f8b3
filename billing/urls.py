from django.urls import path

from billing import staff_views, views

app_name = "billing"

urlpatterns = [
    path("portal/billing/", views.invoice_list, name="invoice_list"),
    path("portal/billing/invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("portal/billing/memberships/<int:pk>/contacts/", views.billing_contacts,
         name="contacts"),
    path("portal/billing/memberships/<int:pk>/contacts/<int:contact_pk>/remove/",
         views.billing_contact_remove, name="contact_remove"),
    path("billing/stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]

urlpatterns += [
    path("portal/billing/invoices/<int:pk>/purchase-order/", views.invoice_po, name="invoice_po"),
    path("portal/billing/invoices/<int:pk>/versions/<int:version>/pdf/",
         views.invoice_version_pdf, name="invoice_version_pdf"),
    path("portal/billing/payments/<int:pk>/receipt/", views.payment_receipt,
         name="payment_receipt"),
    path("portal/billing/statement/", views.statement_pdf, name="statement"),
    path("portal/billing/vendor-documents/<int:pk>/", views.vendor_document,
         name="vendor_document"),
    path("portal/applications/<int:pk>/quote/", views.application_quote,
         name="application_quote"),
    path("billing/email/bounce/", views.email_bounce_webhook, name="email_bounce_webhook"),
]
urlpatterns += staff_views.urlpatterns
