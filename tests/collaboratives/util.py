from django.urls import reverse


def url(name, *args):
    return reverse(f"collaboratives:{name}", args=args)
