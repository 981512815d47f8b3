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
urlpatterns += staff_views.urlpatterns
