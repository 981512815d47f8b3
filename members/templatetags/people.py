"""Template filters for pages about people and their accounts."""

from django import template

register = template.Library()

# Checked in order: Edge and Opera also say "Chrome", Chrome also says "Safari".
BROWSERS = [("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
            ("Chrome/", "Chrome"), ("Chromium/", "Chromium"), ("Safari/", "Safari")]
SYSTEMS = [("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"),
           ("Windows", "Windows"), ("Mac OS X", "Mac"), ("CrOS", "ChromeOS"),
           ("Linux", "Linux")]


@register.filter
def browser_name(user_agent: str) -> str:
    """"Chrome on Windows" from a browser's User-Agent header; "Unknown browser" when unsure."""
    user_agent = user_agent or ""
    browser = next((name for key, name in BROWSERS if key in user_agent), "")
    system = next((name for key, name in SYSTEMS if key in user_agent), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown browser"
