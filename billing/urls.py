from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("portal/billing/", views.invoice_list, name="invoice_list"),
    path("portal/billing/invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("billing/stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
